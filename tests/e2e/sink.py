"""Postfix's smtp-sink as the upstream smarthost: every transaction it accepts
is dumped to a file whose X-Mail-Args / X-Rcpt-Args headers show the envelope.
Started and stopped by the test, on a loopback port."""
import glob
import os
import time

from harness import free_port, stop_process, wait_for_port

SMTP_SINK = "/usr/sbin/smtp-sink"


class Sink:
    def __init__(self, test, options=(), backlog=100, host="127.0.0.1", port=None):
        """options: extra smtp-sink flags, e.g. ("-Q", "rcpt") ... see smtp-sink(1). host/port: where it
        listens (another loopback address stands for another MX host); default a free port on 127.0.0.1."""
        self.test = test
        self.host = host
        self.port = port or free_port(host)
        self.dir = test.path("sink" if host == "127.0.0.1" and port is None else f"sink-{host}-{self.port}")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o777)  # smtp-sink drops to nobody, who must reach and write it
        os.chmod(test.dir, 0o755)
        self.backlog = backlog
        self.proc = test.start(self.argv(options))
        wait_for_port(self.port, host=host, proc=self.proc)

    def argv(self, options=()):
        argv = [SMTP_SINK, "-d", os.path.join(self.dir, "%Y%m%d%H%M%S."), *options]
        if os.geteuid() == 0:
            argv[1:1] = ["-u", "nobody"]
        return argv + [f"{self.host}:{self.port}", str(self.backlog)]

    def stop(self):
        stop_process(self.proc)

    def restart(self, options=()):
        """Stops smtp-sink and starts it again on the same port and dump folder, with
        `options` (none: a healthy sink)."""
        self.stop()
        argv = self.argv(options)
        for _ in range(20):
            self.proc = self.test.start(argv)
            try:
                wait_for_port(self.port, host=self.host, proc=self.proc, timeout=10)
                return
            except RuntimeError:  # exited: the port may still be held for a moment
                time.sleep(0.25)
        self.test.fail(f"smtp-sink could not listen on {self.port} again")

    def address(self):
        return f"{self.host}:{self.port}"

    def messages(self):
        """Every dumped transaction: {"mail": "<...>", "rcpt": ["<...>"], "text": whole dump}.

        smtp-sink creates a transaction's file at MAIL, fills it at "." and deletes it
        when the transaction is reset or the client goes: a file that vanished or is
        still empty is no message (yet)."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "*"))):
            try:
                with open(path, "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                continue
            if not raw:
                continue
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
