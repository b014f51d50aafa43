"""The relay end to end: real swaks and Python smtplib clients, the real
mfrelay binary, a real knotd serving the MAIL FROM domains (edited live with
knotc) and Postfix's smtp-sink as the smarthost."""
import smtplib
import unittest

from harness import identity, wait_until
from relay_fixture import FEEDBACK, RelayTest, accepted_id, smtplib_send


class Relay(RelayTest):
    zone_records = [f"mail IN MX 10 {FEEDBACK}", 'mail IN TXT "v=spf1 include:amazonses.com ~all"',
                    'bounce IN TXT "v=spf1 include:amazonses.com ~all"']
    identities = (identity("example.com", "mail.example.com")
                  + identity("billing@example.com", "bounce.example.com", "RejectMessage")
                  + identity("other.org"))

    def test_custom_mail_from_then_default_after_the_mx_goes(self):
        self.wait_status("example.com", "Success")
        r = self.swaks("--from", "news@example.com", "--to", "reader@dest.example", "--h-From", "news@example.com")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        first = accepted_id(r.stdout)
        self.assertIsNotNone(first, r.stdout)
        m = self.sink_messages(1)[0]
        self.assertEqual(m["mail"].split()[0], f"<{first}@mail.example.com>")
        self.assertEqual(m["rcpt"], ["<reader@dest.example>"])

        # The MX goes: TemporaryFailure, and the next message gets the regional default.
        self.knot.edit("example.com", unset_records=[("mail", "MX")])
        self.wait_status("example.com", "TemporaryFailure")
        r = self.swaks("--from", "news@example.com", "--to", "reader@dest.example", "--h-From", "news@example.com",
                       listener="submissions")
        second = accepted_id(r.stdout)
        self.assertIsNotNone(second, r.stdout)
        mails = [m["mail"].split()[0] for m in self.sink_messages(2)]
        self.assertIn(f"<{second}@us-west-2.amazonses.com>", mails)

        sends = self.events("Send")
        self.assertEqual([e["policy"]["decision"] for e in sends], ["custom", "default"])
        self.assertEqual(sends[0]["policy"]["returnPath"], f"{first}@mail.example.com")
        self.assertEqual(sends[1]["session"]["listener"], "submissions")
        deliveries = wait_until(lambda: self.events("Delivery") if len(self.events("Delivery")) >= 2 else None,
                                what="two Delivery events")
        self.assertEqual(deliveries[0]["mail"]["messageId"], first)

    def test_reject_message_while_pending(self):
        r = self.swaks("--from", "billing@example.com", "--to", "x@dest.example", "--h-From", "billing@example.com")
        self.assertIn("554 5.7.1 Message rejected: MailFromDomainNotVerified", r.stdout)
        rejects = self.events("Reject")
        self.assertEqual(rejects[-1]["reject"]["reason"], "MailFromDomainNotVerified")
        self.assertEqual(rejects[-1]["policy"]["status"], "Pending")

    def test_unverified_sender_gets_the_ses_reply(self):
        r = self.swaks("--from", "someone@unknown.example", "--to", "x@dest.example",
                       "--h-From", "someone@unknown.example", listener="local")
        self.assertIn("554 5.7.1 Message rejected: Email address is not verified. The following identities failed "
                      "the check in region US-WEST-2: someone@unknown.example", r.stdout)
        # Envelope sender fine, From header unverified: refused at the end of DATA.
        r = self.swaks("--from", "news@example.com", "--to", "x@dest.example", "--h-From", "ceo@unknown.example",
                       listener="local")
        self.assertRegex(r.stdout, r"<\*\* 554 5\.7\.1 Message rejected: Email address is not verified\. .*"
                                   r"ceo@unknown\.example")
        self.assertEqual(self.sink.messages(), [])

    def test_user_may_not_send_as_someone_elses_identity(self):
        r = self.swaks("--from", "ceo@other.org", "--to", "x@dest.example", "--h-From", "ceo@other.org")
        self.assertIn("554 5.7.1 Access denied: User app1 is not authorized to perform ses:SendRawEmail on resource "
                      "identity/other.org", r.stdout)
        # Allowed envelope sender, someone else's identity in From.
        r = self.swaks("--from", "news@example.com", "--to", "x@dest.example", "--h-From", "ceo@other.org")
        self.assertIn("Access denied: User app1", r.stdout)
        self.assertEqual(self.sink.messages(), [])

    def test_python_smtplib_plain_starttls_and_implicit_tls(self):
        self.wait_status("example.com", "Success")
        body = "From: app@example.com\r\nTo: a@dest.example\r\nSubject: hi\r\n\r\nline one\r\n.dot line\r\n"
        smtplib_send(self.ports["local"], "app@example.com", ["a@dest.example"], body)
        smtplib_send(self.ports["submission"], "app@example.com", ["b@dest.example"], body, starttls=True,
                     login=("app1", "password"))
        smtplib_send(self.ports["submissions"], "app@example.com", ["c@dest.example"], body, use_ssl=True,
                     login=("app1", "password"))
        with self.assertRaises(smtplib.SMTPAuthenticationError):
            smtplib_send(self.ports["submission"], "app@example.com", ["d@dest.example"], body, starttls=True,
                         login=("app1", "wrong"))
        messages = self.sink_messages(3)
        self.assertEqual(sorted(m["rcpt"][0] for m in messages),
                         ["<a@dest.example>", "<b@dest.example>", "<c@dest.example>"])
        for m in messages:
            self.assertRegex(m["mail"], r"^<0100[0-9a-f]{12}-[0-9a-f-]{36}-000000@mail\.example\.com>")
        # smtplib tries PLAIN, then LOGIN: each failure is one event, never with the password.
        failures = self.events("AuthFailure")
        self.assertGreaterEqual(len(failures), 1)
        self.assertEqual({e["authFailure"]["user"] for e in failures}, {"app1"})
        self.assertNotIn("wrong", str(failures))

    def test_message_passes_byte_for_byte_under_one_received_header(self):
        self.wait_status("example.com", "Success")
        body = ("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;\r\n\tbh=abc=; b=xyz=\r\n"
                "From: app@example.com\r\nTo: a@dest.example\r\nSubject: bytes\r\n\r\n"
                "caf\xc3\xa9 8-bit line\r\n.leading dot\r\n..two dots\r\n\r\ntrailing\r\n")
        smtplib_send(self.ports["local"], "app@example.com", ["a@dest.example"], body.encode("latin-1"))
        lines = self.sink_messages(1)[0]["raw"].replace(b"\r\n", b"\n").split(b"\n")
        lines = [l for l in lines if not l.startswith(b"X-")]  # the sink's envelope dump

        def take_received(lines):
            self.assertTrue(lines[0].startswith(b"Received: "), lines[0])
            end = 1
            while lines[end][:1] in (b" ", b"\t"):
                end += 1
            return b"\n".join(lines[:end]), lines[end:]

        sinks, lines = take_received(lines)      # smtp-sink's own trace header
        self.assertIn(b"smtp-sink", sinks)
        ours, lines = take_received(lines)       # the one mfrelay adds on top
        self.assertRegex(ours, rb"by mfrelay\.test \(mfrelay\) with ESMTP\s+id 0100")
        self.assertFalse(lines[0].startswith(b"Received:"), "exactly one Received header is added")
        dump = b"\n".join(lines)
        self.assertTrue(dump.endswith(b"\n\n"))  # smtp-sink ends every dump with one more newline
        self.assertEqual(dump[:-1], body.encode("latin-1").replace(b"\r\n", b"\n"))


if __name__ == "__main__":
    unittest.main()
