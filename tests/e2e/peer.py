"""The aiosmtpd_peer.py server as the tests start it: a process on a loopback
address and a free port, whose accepted transactions are read back as dicts."""
import glob
import json
import os

from harness import MFRELAY, TempDirTest, free_port, identity, relay_config, wait_for_port

PYTHON = "/usr/bin/python3"
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aiosmtpd_peer.py")


class Peer:
    def __init__(self, test, host="127.0.0.1", port=None, tls="none", cert=None, key=None, user=None,
                 password=None, replies=(), delay=0.0):
        self.host = host
        self.port = port or free_port(host)
        self.dir = test.path(f"peer-{host}-{self.port}")
        os.makedirs(self.dir, exist_ok=True)
        argv = [PYTHON, SCRIPT, "--host", host, "--port", str(self.port), "--dump", self.dir, "--tls", tls]
        if cert:
            argv += ["--cert", cert, "--key", key]
        if user:
            argv += ["--user", user, "--password", password]
        for r in replies:
            argv += ["--reply", r]
        if delay:
            argv += ["--delay", str(delay)]
        self.proc = test.start(argv)
        wait_for_port(self.port, host=host, proc=self.proc)

    def messages(self):
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "*-*.json"))):
            with open(path) as f:
                out.append(json.load(f))
        return out

    def connections(self):
        """{"open", "max", "total"}: connections open now, the most ever open at once, and in all."""
        with open(os.path.join(self.dir, "connections.json")) as f:
            return json.load(f)


class PeerRelayTest(TempDirTest):
    """mfrelay with one plain local listener (`self.local`) whose smarthost is a Peer (`self.peer`) answering
    `peer_replies`. Subclasses set those and `delivery`: more [delivery] keys after the smarthost."""
    peer_replies = ()
    delivery = ""

    def setUp(self):
        super().setUp()
        self.peer = Peer(self, replies=list(self.peer_replies))
        self.local = free_port()
        self.config = relay_config(
            self, identities=identity("example.com"),
            extra=f'[delivery]\nsmarthost = "127.0.0.1:{self.peer.port}"\n' + self.delivery,
            listeners=[{"name": "local", "address": f"127.0.0.1:{self.local}", "tls": "none", "auth": "network"}])
        self.relay = self.start([MFRELAY, "serve", "-c", self.config])
        wait_for_port(self.local, proc=self.relay)
