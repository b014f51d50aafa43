"""Smarthosts as providers run them: aiosmtpd with an authenticator and a
certificate from a test CA. Mail goes through with the right credentials over
STARTTLS and over implicit TLS; wrong credentials defer with a clear event
(never a bounce); a certificate for another name is refused when verification is on."""
import unittest

from harness import MFRELAY, TempDirTest, free_port, identity, relay_config, wait_for_port, wait_until
from peer import Peer
from pki import issue, make_ca
from relay_fixture import smtplib_send

MESSAGE = "From: app@example.com\r\nTo: rcpt@example.net\r\nSubject: via the provider\r\n\r\nhello\r\n"


class SmarthostAuthTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.ca = make_ca(self)

    def peer(self, tls, cert_name="localhost", password="s3cret"):
        cert, key = issue(self, self.ca, cert_name)
        return Peer(self, tls=tls, cert=cert, key=key, user="relay", password=password)

    def start_relay(self, peer, tls, password="s3cret", verify=True):
        self.local = free_port()
        smarthost = (f'[delivery]\nsmarthost = "provider"\nretry_schedule = ["1s"]\n\n'
                     f'[[smarthost]]\nname = "provider"\naddress = "localhost:{peer.port}"\ntls = "{tls}"\n'
                     f'username = "relay"\npassword = "{password}"\nca_file = "{self.ca}"\n'
                     f'verify_certificate = {"true" if verify else "false"}\n')
        self.config = relay_config(self, identities=identity("example.com"), extra=smarthost, listeners=[
            {"name": "local", "address": f"127.0.0.1:{self.local}", "tls": "none", "auth": "network"}])
        self.relay = self.start([MFRELAY, "serve", "-c", self.config])
        wait_for_port(self.local, proc=self.relay)

    def send(self):
        smtplib_send(self.local, "app@example.com", ["rcpt@example.net"], MESSAGE)

    def assert_delivered(self, peer):
        got = wait_until(lambda: peer.messages() or None, timeout=30, what="the message at the smarthost")
        self.assertEqual(got[0]["rcpt_tos"], ["rcpt@example.net"])
        self.assertTrue(got[0]["tls"])
        self.assertEqual(got[0]["auth"], "relay")
        self.assertIn("Subject: via the provider", got[0]["data"])
        wait_until(lambda: self.events("Delivery"), what="a Delivery event")

    def test_auth_over_starttls(self):
        peer = self.peer("starttls")
        self.start_relay(peer, "starttls")
        self.send()
        self.assert_delivered(peer)

    def test_auth_over_implicit_tls(self):
        peer = self.peer("implicit")
        self.start_relay(peer, "implicit")
        self.send()
        self.assert_delivered(peer)

    def test_wrong_credentials_defer_with_a_clear_event(self):
        peer = self.peer("implicit", password="the-right-one")
        self.start_relay(peer, "implicit", password="WrongPassw0rd")
        self.send()
        delays = wait_until(lambda: self.events("DeliveryDelay") or None, what="a DeliveryDelay event")
        delay = delays[0]["deliveryDelay"]
        self.assertEqual(delay["delayType"], "SmarthostAuthFailure")
        recipient = delay["delayedRecipients"][0]
        self.assertEqual(recipient["status"], "4.7.8")
        self.assertIn('refused the credentials of user "relay"', recipient["diagnosticCode"])
        self.assertIn("535", recipient["diagnosticCode"])
        # Retried on the schedule, never bounced, and the password is nowhere.
        wait_until(lambda: len(self.events("DeliveryDelay")) >= 2, what="a second attempt")
        self.assertEqual(self.events("Bounce"), [])
        self.assertEqual(peer.messages(), [])
        with open(self.path("var", "log", "events.jsonl")) as f:
            self.assertNotIn("WrongPassw0rd", f.read())
        with open(self.relay.log_path) as f:
            self.assertNotIn("WrongPassw0rd", f.read())

    def test_certificate_for_another_name_is_refused(self):
        peer = self.peer("starttls", cert_name="other.test")
        self.start_relay(peer, "starttls")
        self.send()
        delays = wait_until(lambda: self.events("DeliveryDelay") or None, what="a DeliveryDelay event")
        recipient = delays[0]["deliveryDelay"]["delayedRecipients"][0]
        self.assertEqual(recipient["status"], "4.7.5")
        self.assertIn("not verified: hostname mismatch", recipient["diagnosticCode"])
        self.assertEqual(peer.messages(), [])

    def test_the_same_certificate_passes_without_verification(self):
        # What the test above refuses goes through once verification is off: the refusal was the name check.
        peer = self.peer("starttls", cert_name="other.test")
        self.start_relay(peer, "starttls", verify=False)
        self.send()
        self.assert_delivered(peer)


if __name__ == "__main__":
    unittest.main()
