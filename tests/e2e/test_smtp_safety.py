"""SMTP safety end to end, against the real mfrelay binary over raw sockets:
SMTP smuggling (in both bare_newline modes), STARTTLS command injection, open
relay probes and AUTH abuse. Each test is written so that it fails when the
protection it names is taken out of mfrelay.

What proves a smuggling attempt failed: the client gets exactly one final
reply to its one DATA (a smuggled transaction would earn its own 250s); the
events file has no Send event but the clean sentinel message sent afterwards;
and once the sentinel is delivered, the smarthost (smtp-sink) has received that
one transaction and nothing to victim@dest.example. smtp-sink's dump turns CRLF
into LF, so what mfrelay puts on the wire in "normalize" mode is checked with a
smarthost that records the raw octets (NormalizeOnTheWire)."""
import base64
import re
import time
import unittest

from harness import wait_until
from raw_smtp import CaptureSmarthost, RawClient, ehlo
from relay_fixture import RelayTest

HEADERS = "From: app@example.com\r\nTo: a@dest.example\r\nSubject: smuggling\r\n\r\n"
# What an attacker hides behind a sequence that some next hop may take for the end of DATA.
SMUGGLED = ("MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@dest.example>\r\nDATA\r\n"
            "From: evil@example.com\r\n\r\nsmuggled")
# Each one is a message terminator to some SMTP implementation, never to RFC 5321.
SEQUENCES = ["\n.\n", "\n.\r\n", "\r.\n", "\r.\r\n", "\r\n.\r\r\n", "\r\n\x00.\r\n"]
REAL_END = "\r\n.\r\n"
SENTINEL_RCPT = "sentinel@dest.example"


def smuggling_body(sequence):
    # The smuggled message's own end is the real terminator: to mfrelay the whole
    # thing is one message; to a lenient next hop it would be two.
    return HEADERS + "hello" + sequence + SMUGGLED + REAL_END


class SmugglingCases:
    """Mixed into a RelayTest whose extra_config picks the bare_newline mode."""

    def send_sentinel_and_wait(self):
        """A clean message after the attempts, on its own connection: once it is delivered,
        anything mfrelay had accepted before it would be at the sink as well."""
        with RawClient(self.ports["local"]) as c:
            self.assertEqual(ehlo(c).code, 250)
            self.assertEqual(c.command("MAIL FROM:<app@example.com>").code, 250)
            self.assertEqual(c.command(f"RCPT TO:<{SENTINEL_RCPT}>").code, 250)
            self.assertEqual(c.command("DATA").code, 354)
            r = c.command(HEADERS + "clean" + REAL_END)
            self.assertEqual(r.code, 250, r)
            c.command("QUIT")
        self.sink_messages(1)
        # Every message mfrelay said 250 to is the sentinel; every one it delivered too.
        self.assertEqual([e["mail"]["destination"] for e in self.events("Send")], [[SENTINEL_RCPT]])
        messages = self.sink.messages()
        self.assertEqual([m["rcpt"] for m in messages], [[f"<{SENTINEL_RCPT}>"]], messages)
        for m in messages:
            self.assertNotIn("victim", m["text"])
            self.assertNotIn("smuggled", m["text"])

    def assert_refused(self, replies, sequence):
        """`replies`: everything after the 354. Exactly one final reply to the one DATA (no 250
        for a smuggled second transaction, no 250/354 for its MAIL/RCPT/DATA), then QUIT's 221."""
        self.assertEqual([r.code for r in replies], [554, 221], f"{sequence!r}: {replies}")
        self.assertTrue(replies[0].text.startswith("5.6.0 Message rejected: "), replies[0])

    def test_smuggling_sequences_one_command_at_a_time(self):
        for sequence in SEQUENCES:
            with self.subTest(sequence=sequence), RawClient(self.ports["local"]) as c:
                self.assertEqual(ehlo(c).code, 250)
                self.assertEqual(c.command("MAIL FROM:<app@example.com>").code, 250)
                self.assertEqual(c.command("RCPT TO:<a@dest.example>").code, 250)
                self.assertEqual(c.command("DATA").code, 354)
                c.send(smuggling_body(sequence) + "QUIT\r\n")
                self.assert_refused(c.replies_until_closed(), sequence)
        self.assertEqual(len(self.events("Reject")), len(SEQUENCES))
        self.send_sentinel_and_wait()

    def test_smuggling_sequences_pipelined_in_one_write(self):
        for sequence in SEQUENCES:
            with self.subTest(sequence=sequence), RawClient(self.ports["local"]) as c:
                self.assertEqual(c.reply().code, 220)
                c.send("EHLO client.example\r\nMAIL FROM:<app@example.com>\r\nRCPT TO:<a@dest.example>\r\nDATA\r\n"
                       + smuggling_body(sequence) + "QUIT\r\n")
                replies = c.replies_until_closed()
                self.assertEqual([r.code for r in replies], [250, 250, 250, 354, 554, 221], f"{sequence!r}: {replies}")
                self.assert_refused(replies[4:], sequence)
        self.send_sentinel_and_wait()


class SmugglingRejectMode(SmugglingCases, RelayTest):
    """bare_newline = "reject" (the default): any bare CR or LF refuses the message."""

    def test_bare_line_ends_without_a_dot_are_refused_too(self):
        for body in ["one\ntwo", "one\rtwo"]:
            with self.subTest(body=body), RawClient(self.ports["local"]) as c:
                self.assertEqual(ehlo(c).code, 250)
                c.command("MAIL FROM:<app@example.com>")
                c.command("RCPT TO:<a@dest.example>")
                self.assertEqual(c.command("DATA").code, 354)
                r = c.command(HEADERS + body + REAL_END)
                self.assertEqual((r.code, r.text), (554, "5.6.0 Message rejected: bare CR or LF in the message; "
                                                         "lines must end with CRLF"))
        self.assertEqual(self.events("Send"), [])


class SmugglingNormalizeMode(SmugglingCases, RelayTest):
    """bare_newline = "normalize": bare CR/LF become CRLF, but a "." line next to a bare
    line end is the smuggling attempt itself and is still refused (data_decoder.hpp)."""
    extra_config = '\n[limits]\nbare_newline = "normalize"\n'


class NormalizeOnTheWire(RelayTest):
    """bare_newline = "normalize", with a smarthost that records the exact octets mfrelay
    sends (smtp-sink's dump cannot tell a bare LF from CRLF)."""
    extra_config = '\n[limits]\nbare_newline = "normalize"\n'

    def setUp(self):
        self.capture = CaptureSmarthost()
        self.addCleanup(self.capture.stop)
        super().setUp()

    def start_relay(self):
        # Same configuration as RelayTest's, with the capture as the smarthost.
        with open(self.config) as f:
            text = f.read()
        with open(self.config, "w") as f:
            f.write(text.replace(self.sink.address(), self.capture.address()))
        super().start_relay()

    def test_bare_line_ends_reach_the_next_hop_as_crlf(self):
        body = "one\ntwo\rthree\r\n\nfive\r\r\nsix"
        with RawClient(self.ports["local"]) as c:
            self.assertEqual(ehlo(c).code, 250)
            c.command("MAIL FROM:<app@example.com>")
            c.command("RCPT TO:<a@dest.example>")
            self.assertEqual(c.command("DATA").code, 354)
            r = c.command(HEADERS + body + REAL_END)
            self.assertEqual(r.code, 250, r)
        got = wait_until(lambda: self.capture.received(), timeout=30, what="the message at the capture smarthost")
        self.assertEqual(len(got), 1)
        wire = got[0]["data"]
        self.assertIsNone(re.search(rb"(?<!\r)\n|\r(?!\n)", wire), f"bare CR or LF on the wire: {wire!r}")
        # mfrelay's Received header comes first; the rest is the message, CRLF everywhere.
        self.assertTrue(wire.startswith(b"Received: "), wire)
        expected = (HEADERS + "one\r\ntwo\r\nthree\r\n\r\nfive\r\n\r\nsix" + REAL_END).encode()
        self.assertTrue(wire.endswith(expected), wire)


class StartTlsInjection(RelayTest):
    def test_commands_pipelined_after_starttls_are_discarded(self):
        with RawClient(self.ports["submission"]) as c:
            self.assertEqual(ehlo(c, "honest.example").code, 250)
            c.send("STARTTLS\r\nEHLO evil\r\nMAIL FROM:<x@example.com>\r\n")
            r = c.reply()
            self.assertEqual((r.code, r.text), (220, "2.0.0 Ready to start TLS"))
            c.starttls()  # fails when anything beyond that 220 came in plaintext
            # Nothing is answered unasked: the injected EHLO and MAIL are gone.
            self.assertTrue(c.quiet_for(1.0), f"unsolicited after the handshake: {c.buffer!r}")
            # The first reply inside TLS answers what the client sends inside TLS.
            self.assertEqual(c.command("HELP").code, 214)
            # EHLO from before the handshake is forgotten too: MAIL needs a new EHLO.
            r = c.command("MAIL FROM:<app@example.com>")
            self.assertEqual((r.code, r.text), (503, "Error: send HELO/EHLO first"))
            r = c.command("EHLO honest.example")
            self.assertEqual(r.code, 250)
            self.assertIn("AUTH PLAIN LOGIN", r.lines)
            self.assertNotIn("STARTTLS", r.lines)

    def test_auth_before_starttls_is_refused_and_not_offered(self):
        with RawClient(self.ports["submission"]) as c:
            r = ehlo(c)
            self.assertIn("STARTTLS", r.lines)
            self.assertFalse([l for l in r.lines if l.startswith("AUTH")], r)
            secret = base64.b64encode(b"\0app1\0password").decode()
            r = c.command(f"AUTH PLAIN {secret}")
            self.assertEqual((r.code, r.text), (530, "5.7.0 Must issue a STARTTLS command first"))
            r = c.command("AUTH LOGIN")
            self.assertEqual((r.code, r.text), (530, "5.7.0 Must issue a STARTTLS command first"))
            r = c.command("MAIL FROM:<app@example.com>")
            self.assertEqual((r.code, r.text), (530, "5.7.0 Must issue a STARTTLS command first"))
        self.assertEqual(self.events("AuthFailure"), [])


# Recipient forms that make a naive relay forward mail to another host.
RELAY_PROBES = ["<user%dest.example@mfrelay.test>", "<dest.example!user>", "<@hop.example:user@dest.example>",
                '<"user@dest.example">', '<"user@dest.example"@mfrelay.test>']


class OpenRelay(RelayTest):
    """No client gets past MAIL unless it authenticated (password listeners) or its
    address is in a user's networks (network listeners). Here the network user
    covers 127.0.0.2 only; the clients connect from 127.0.0.1."""

    def start_relay(self):
        with open(self.config) as f:
            text = f.read()
        self.assertIn('networks = ["127.0.0.0/8", "::1/128"]', text)
        with open(self.config, "w") as f:
            f.write(text.replace('networks = ["127.0.0.0/8", "::1/128"]', 'networks = ["127.0.0.2/32"]'))
        super().start_relay()

    def probe(self, client, probe):
        replies = [client.command("MAIL FROM:<app@example.com>")]
        replies.append(client.command(f"RCPT TO:{probe}"))
        replies.append(client.command("DATA"))
        return replies

    def assert_nothing_accepted(self, replies, probe, mail_refusal):
        self.assertEqual((replies[0].code, replies[0].text), mail_refusal, f"{probe}: {replies}")
        self.assertTrue(all(r.code >= 500 for r in replies), f"{probe}: {replies}")

    def test_unauthenticated_client_after_starttls(self):
        for probe in RELAY_PROBES:
            with self.subTest(probe=probe), RawClient(self.ports["submission"]) as c:
                self.assertEqual(ehlo(c).code, 250)
                self.assertEqual(c.command("STARTTLS").code, 220)
                c.starttls()
                self.assertEqual(c.command("EHLO client.example").code, 250)
                self.assert_nothing_accepted(self.probe(c, probe), probe, (530, "5.7.0 Authentication required"))
        for probe in RELAY_PROBES:
            with self.subTest(probe=probe, listener="submissions"), \
                    RawClient(self.ports["submissions"], implicit_tls=True) as c:
                self.assertEqual(ehlo(c).code, 250)
                self.assert_nothing_accepted(self.probe(c, probe), probe, (530, "5.7.0 Authentication required"))
        self.assertEqual(self.events("Send"), [])
        self.assertEqual(self.sink.messages(), [])

    def test_client_outside_every_network(self):
        denied = (554, "5.7.1 Access denied: client is not in any user's networks")
        for probe in RELAY_PROBES:
            with self.subTest(probe=probe), RawClient(self.ports["local"], source="127.0.0.1") as c:
                self.assertEqual(ehlo(c).code, 250)
                self.assert_nothing_accepted(self.probe(c, probe), probe, denied)
        with RawClient(self.ports["local"], source="127.0.0.3") as c:
            self.assertEqual(ehlo(c).code, 250)
            self.assert_nothing_accepted(self.probe(c, RELAY_PROBES[0]), RELAY_PROBES[0], denied)
        # The control: from 127.0.0.2 the same listener takes the sender, so the
        # refusals above are about the address, not a listener that refuses everyone.
        with RawClient(self.ports["local"], source="127.0.0.2") as c:
            self.assertEqual(ehlo(c).code, 250)
            self.assertEqual(c.command("MAIL FROM:<app@example.com>").code, 250)
        self.assertEqual(self.events("Send"), [])
        self.assertEqual(self.sink.messages(), [])


WRONG_PASSWORD = "Gu3ss-n0t-in-any-log-7731"


class AuthAbuse(RelayTest):
    extra_config = "\n[limits]\nmax_auth_failures = 3\n"

    def test_wrong_passwords_slow_down_then_cut_the_session(self):
        plain = base64.b64encode(f"\0app1\0{WRONG_PASSWORD}".encode()).decode()
        login_password = base64.b64encode(WRONG_PASSWORD.encode()).decode()
        with RawClient(self.ports["submission"], timeout=20) as c:
            self.assertEqual(ehlo(c).code, 250)
            self.assertEqual(c.command("STARTTLS").code, 220)
            c.starttls()
            self.assertEqual(c.command("EHLO client.example").code, 250)

            start = time.monotonic()
            r = c.command(f"AUTH PLAIN {plain}")
            first = time.monotonic() - start
            self.assertEqual((r.code, r.text), (535, "5.7.8 Authentication Credentials Invalid"))

            self.assertEqual(c.command("AUTH LOGIN").code, 334)
            self.assertEqual(c.command(base64.b64encode(b"app1").decode()).code, 334)
            start = time.monotonic()
            r = c.command(login_password)
            second = time.monotonic() - start
            self.assertEqual((r.code, r.text), (535, "5.7.8 Authentication Credentials Invalid"))

            # Each failure waits longer than the one before (1 s, 2 s, ... in mfrelay).
            self.assertGreaterEqual(first, 0.5, "the first failure is answered at once")
            self.assertGreater(second, first + 0.5, f"first {first:.2f}s, second {second:.2f}s")

            self.assertEqual(c.command("AUTH PLAIN").code, 334)
            c.send(plain + "\r\n")
            replies = c.replies_until_closed(timeout=15)
            self.assertEqual([(r.code, r.text) for r in replies],
                             [(421, "4.7.0 mfrelay.test Error: too many authentication failures")])
        self.assertEqual(len(self.events("AuthFailure")), 3)

        # No password, nor any base64 form it travelled in, is written anywhere.
        secrets = [WRONG_PASSWORD, plain, login_password]
        with open(self.relay.log_path, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        with open(self.path("var", "log", "events.jsonl")) as f:
            events = f.read()
        for secret in secrets:
            self.assertNotIn(secret, log)
            self.assertNotIn(secret, events)

    def test_right_password_still_works_after_a_failure(self):
        # The control for the test above: the same exchange succeeds with the password.
        with RawClient(self.ports["submission"], timeout=20) as c:
            self.assertEqual(ehlo(c).code, 250)
            self.assertEqual(c.command("STARTTLS").code, 220)
            c.starttls()
            self.assertEqual(c.command("EHLO client.example").code, 250)
            bad = base64.b64encode(f"\0app1\0{WRONG_PASSWORD}".encode()).decode()
            self.assertEqual(c.command(f"AUTH PLAIN {bad}").code, 535)
            good = base64.b64encode(b"\0app1\0password").decode()
            r = c.command(f"AUTH PLAIN {good}")
            self.assertEqual((r.code, r.text), (235, "2.7.0 Authentication successful"))
            self.assertEqual(c.command("MAIL FROM:<app@example.com>").code, 250)


if __name__ == "__main__":
    unittest.main()
