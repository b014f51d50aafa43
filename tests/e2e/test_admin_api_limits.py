"""The admin API under a slow-client attack, end to end: 64 clients from
127.0.0.2 hold connections with partial request lines and reconnect as soon as
they are closed, while /healthz and signed calls (botocore's signer, the aws
CLI) from 127.0.0.1 must still answer, each within a second. Loopback only."""
import socket
import threading
import time
import unittest

from admin_client import aws, request, signed_request
from relay_fixture import RelayTest

ATTACKERS = 64
HEADER_TIMEOUT = 10.0  # [admin] header_timeout default: each slow client is cut after it, then reconnects


def slow_client(port, stop, stats):
    """Connects from 127.0.0.2, sends part of a request line, waits until the server closes, reconnects."""
    while not stop.is_set():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.5)
        try:
            s.bind(("127.0.0.2", 0))
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /healthz HT")
            stats["connects"] += 1
            while not stop.is_set():
                try:
                    if s.recv(1024) == b"":
                        break  # closed by the server
                except socket.timeout:
                    continue
        except OSError:
            pass
        finally:
            s.close()
        stop.wait(0.05)  # reconnect at once, but not in a tight loop


class SlowClients(RelayTest):
    def test_64_slow_clients_from_one_address_leave_room_for_the_others(self):
        stop = threading.Event()
        stats = {"connects": 0}
        threads = [threading.Thread(target=slow_client, args=(self.admin_port, stop, stats), daemon=True)
                   for _ in range(ATTACKERS)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.0)  # every attacker connected (or refused and reconnecting)
            deadline = time.monotonic() + HEADER_TIMEOUT + 3  # past one header_timeout: the held ones reconnected
            probes = 0
            while time.monotonic() < deadline:
                start = time.monotonic()
                r = request(self.admin_port, "GET", "/healthz", timeout=5)
                self.assertEqual(r.status, 200)
                self.assertLess(time.monotonic() - start, 1.0, "/healthz took too long")
                start = time.monotonic()
                r = signed_request(self.admin_port, "GET", "/v2/email/identities", timeout=5)
                self.assertEqual(r.status, 200, r.text())
                self.assertLess(time.monotonic() - start, 1.0, "a signed call took too long")
                probes += 1
                time.sleep(0.5)
            self.assertGreater(probes, 10)
            # The stock CLI too, while the attack goes on.
            r = aws(self, "sesv2", "list-email-identities")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertGreater(stats["connects"], ATTACKERS)  # they did reconnect
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=5)


if __name__ == "__main__":
    unittest.main()
