"""Postfix's smtp-sink as the upstream smarthost: every transaction it accepts
is dumped to a file whose X-Mail-Args / X-Rcpt-Args headers show the envelope.
Started and stopped by the test, on a loopback port."""
import glob
import os

from harness import free_port, wait_for_port

SMTP_SINK = "/usr/sbin/smtp-sink"


class Sink:
    def __init__(self, test, options=(), backlog=100):
        """options: extra smtp-sink flags, e.g. ("-Q", "rcpt") ... see smtp-sink(1)."""
        self.test = test
        self.port = free_port()
        self.dir = test.path("sink")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o777)  # smtp-sink drops to nobody, who must reach and write it
        os.chmod(test.dir, 0o755)
        argv = [SMTP_SINK, "-d", os.path.join(self.dir, "%Y%m%d%H%M%S."), *options]
        if os.geteuid() == 0:
            argv[1:1] = ["-u", "nobody"]
        argv += [f"127.0.0.1:{self.port}", str(backlog)]
        self.proc = test.start(argv)
        wait_for_port(self.port, proc=self.proc)

    def address(self):
        return f"127.0.0.1:{self.port}"

    def messages(self):
        """Every dumped transaction: {"mail": "<...>", "rcpt": ["<...>"], "text": whole dump}."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "*"))):
            with open(path, "rb") as f:
                raw = f.read()
            text = raw.decode("utf-8", "replace")
            headers = {}
            rcpts = []
            for line in text.split("\n"):
                if not line.startswith("X-"):
                    break
                name, _, value = line.partition(": ")
                if name == "X-Rcpt-Args":
                    rcpts.append(value.strip())
                headers[name] = value.strip()
            out.append({"mail": headers.get("X-Mail-Args", ""), "rcpt": rcpts, "text": text, "raw": raw, "path": path})
        return out
