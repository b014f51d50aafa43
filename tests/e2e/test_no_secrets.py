"""No secret ever leaves mfrelay: a password planted in real AUTH PLAIN and AUTH
LOGIN exchanges (accepted and refused), through accepted, delivered and
refused mail, appears in none of what the relay writes: the event log, its own
log, the spool, the state store, /metrics.

This replaces a unit test that fed the event builders inputs which never
carried a password: here the real server handles the real secret, so a
change that leaks it anywhere (an event field, a log line, a spooled header)
fails this test."""
import base64
import glob
import os
import subprocess
import unittest
import urllib.request

from harness import run_mfrelay
from relay_fixture import SWAKS, RelayTest, accepted_id

SECRET = "Tr0ub4dor&3-planted-secret"
WRONG = "Wr0ng-planted-guess-7c1e5b1a"


def encodings(secret, user="app1"):
    """The secret as it may appear: plain, and as each AUTH mechanism sends it."""
    plain = f"\0{user}\0{secret}".encode()
    return [secret, base64.b64encode(plain).decode(), base64.b64encode(secret.encode()).decode()]


class NoSecrets(RelayTest):
    def setUp(self):
        r = run_mfrelay("hash-password", "--iterations", "1000", input=SECRET + "\n", check=True)
        self.app1_password_hash = r.stdout.strip()
        super().setUp()

    def send(self, mechanism, password, to="reader@dest.example"):
        argv = [SWAKS, "--server", f"127.0.0.1:{self.ports['submission']}", "--timeout", "30", "-tls",
                "--auth", mechanism, "--auth-user", "app1", "--auth-password", password,
                "--from", "news@example.com", "--to", to, "--h-Subject", "planted"]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)

    def everything_written(self):
        """Every file under the test's folder the relay wrote, as bytes (the config, which holds
        the hash, is left out: it is the operator's input, and holds no password either)."""
        out = {}
        for path in glob.glob(self.path("**"), recursive=True):
            if os.path.isfile(path) and not path.endswith(".toml") and not os.path.basename(path).startswith("swaks"):
                with open(path, "rb") as f:
                    out[path] = f.read()
        return out

    def test_the_password_is_nowhere(self):
        r = self.send("PLAIN", SECRET)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIsNotNone(accepted_id(r.stdout))
        r = self.send("LOGIN", SECRET)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.send("PLAIN", WRONG)
        self.assertIn("535", r.stdout)
        r = self.send("LOGIN", WRONG)
        self.assertIn("535", r.stdout)
        self.sink_messages(2)
        self.assertGreaterEqual(len(self.events("AuthFailure")), 2)

        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=30) as response:
            metrics = response.read()
        self.assertIn(b"mfrelay_", metrics)
        written = self.everything_written()
        written["/metrics"] = metrics
        self.assertTrue(any(p.endswith(".jsonl") for p in written), sorted(written))
        for secret in encodings(SECRET) + encodings(WRONG):
            for path, content in written.items():
                with self.subTest(secret=secret, path=path):
                    self.assertNotIn(secret.encode(), content)
        # The sink's copy is what left: no AUTH payload in the delivered messages either.
        for message in self.sink.messages():
            for secret in encodings(SECRET):
                self.assertNotIn(secret, message["text"])


if __name__ == "__main__":
    unittest.main()
