"""SIGTERM/SIGINT stop the relay gracefully: no new connections, a message in
the middle of DATA still gets its final reply (and is not lost), idle sessions
are told `421 4.3.2 <host> Service shutting down`, and whatever is still running
after `[relay] drain_timeout` is cut, unacknowledged. The process exits 0."""
import os
import signal
import socket
import time
import unittest

from raw_smtp import RawClient, ehlo
from relay_fixture import RelayTest

SHUTTING_DOWN = "4.3.2 mfrelay.test Service shutting down"


def open_data(client, subject):
    """A client in the middle of DATA: envelope given, 354 received, headers and half a body sent."""
    ehlo(client)
    assert client.command("MAIL FROM:<app@example.com>").code == 250
    assert client.command("RCPT TO:<someone@example.net>").code == 250
    assert client.command("DATA").code == 354
    client.send(f"From: app@example.com\r\nTo: someone@example.net\r\nSubject: {subject}\r\n\r\nfirst half\r\n")
    return client


class Shutdown(RelayTest):
    drain_timeout = "10s"

    def start_relay(self):
        with open(self.config) as f:
            text = f.read()
        if "drain_timeout" not in text:
            text = text.replace('policy_dir = "policy.d"\n',
                                f'policy_dir = "policy.d"\ndrain_timeout = "{self.drain_timeout}"\n', 1)
            with open(self.config, "w") as f:
                f.write(text)
        super().start_relay()

    def client(self, port):
        client = RawClient(port, timeout=10)
        self.addCleanup(client.close)
        return client

    def stop_relay(self, sig):
        started = time.monotonic()
        self.relay.send_signal(sig)
        return started

    def queued_files(self):
        folder = self.path("var", "spool", "queue")
        return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


class GracefulStop(Shutdown):
    def test_sigterm_finishes_data_says_421_to_idle_sessions_and_loses_nothing(self):
        sending = open_data(self.client(self.ports["local"]), "in flight at SIGTERM")
        idle = self.client(self.ports["local"])
        ehlo(idle)
        idle_tls = self.client(self.ports["submission"])
        ehlo(idle_tls)
        self.assertEqual(idle_tls.command("STARTTLS").code, 220)
        idle_tls.starttls()
        self.assertEqual(idle_tls.command("EHLO client.example").code, 250)

        started = self.stop_relay(signal.SIGTERM)

        # Idle sessions hear at once why they are closed, in plaintext and under TLS.
        for client in (idle, idle_tls):
            replies = client.replies_until_closed(timeout=5)
            self.assertEqual([(r.code, r.text) for r in replies], [(421, SHUTTING_DOWN)])
        # No new connections while the old ones drain.
        with self.assertRaises(OSError):
            with socket.create_connection(("127.0.0.1", self.ports["local"]), timeout=2) as s:
                if not s.recv(1):
                    raise ConnectionResetError("closed")
        self.assertIsNone(self.relay.poll(), "the relay must wait for the message in DATA")

        # The session in DATA finishes its message and gets the final reply, then the 421.
        sending.send("second half\r\n.\r\n")
        accepted = sending.reply(timeout=10)
        self.assertEqual(accepted.code, 250, accepted)
        self.assertIn("Ok 0100", accepted.text)
        after = sending.replies_until_closed(timeout=10)
        self.assertEqual([(r.code, r.text) for r in after], [(421, SHUTTING_DOWN)])

        self.assertEqual(self.relay.wait(timeout=10), 0)
        self.assertLess(time.monotonic() - started, 10, "stopped within the drain timeout")
        with open(self.relay.log_path) as f:
            self.assertNotIn("cutting", f.read())

        # Acknowledged means kept: delivered before the stop or after the restart.
        self.start_relay()
        messages = self.sink_messages(1)
        self.assertEqual(len(messages), 1)
        self.assertIn("Subject: in flight at SIGTERM", messages[0]["text"])
        self.assertIn("second half", messages[0]["text"])

    def test_the_next_command_after_a_reply_in_flight_gets_421(self):
        # AUTH takes a while (PBKDF2 off the loop and the failure delay): the stop
        # arrives while the session is inside that command.
        client = self.client(self.ports["submission"])
        ehlo(client)
        self.assertEqual(client.command("STARTTLS").code, 220)
        client.starttls()
        self.assertEqual(client.command("EHLO client.example").code, 250)
        client.send("AUTH PLAIN AGFwcDEAd3Jvbmc=\r\nNOOP\r\n")  # app1 / wrong, then a pipelined NOOP
        time.sleep(0.3)
        self.stop_relay(signal.SIGTERM)
        replies = client.replies_until_closed(timeout=10)
        self.assertEqual([r.code for r in replies], [535, 421], replies)
        self.assertEqual(replies[1].text, SHUTTING_DOWN)
        self.assertEqual(self.relay.wait(timeout=10), 0)


class DrainTimeout(Shutdown):
    drain_timeout = "2s"

    def test_a_client_stalled_in_data_is_cut_after_the_drain_timeout(self):
        stalled = open_data(self.client(self.ports["local"]), "stalled at SIGINT")
        started = self.stop_relay(signal.SIGINT)
        # Nothing more is sent: the session cannot finish, and is cut without a reply.
        replies = stalled.replies_until_closed(timeout=10)
        self.assertEqual(replies, [], "a cut message gets no reply, surely no 250")
        self.assertEqual(self.relay.wait(timeout=10), 0)
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 1.5, "the stalled client had the drain timeout")
        self.assertLess(elapsed, 2 + 3, "cut soon after the drain timeout")
        with open(self.relay.log_path) as f:
            self.assertIn("drain timeout: cutting 1 SMTP session", f.read())
        # Not acknowledged, so not kept: nothing queued, nothing sent after a restart.
        self.assertEqual(self.queued_files(), [])
        self.start_relay()
        time.sleep(1.5)
        self.assertEqual(self.events("Send"), [])
        self.assertEqual(self.sink.messages(), [])


if __name__ == "__main__":
    unittest.main()
