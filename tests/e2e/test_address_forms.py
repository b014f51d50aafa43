"""One mailbox, several spellings: a quoted local part (RFC 5322 3.4.1) and a
domain written with U-labels or A-labels (RFC 6531, IDNA2008) must reach the
same identity, through real swaks and smtplib clients, the real binary and
`mfrelay explain`; and a From header that is there but unusable is refused
with what is wrong with it."""
import smtplib
import unittest

from harness import identity, run_mfrelay
from relay_fixture import FEEDBACK, RelayTest, accepted_id

DEST = "d\u00e9st.test"  # a recipient domain written with a U-label
DEST_ACE = "xn--dst-bma.test"


class AddressForms(RelayTest):
    zone_records = [f"mail IN MX 10 {FEEDBACK}"]
    # billing@ has a MAIL FROM domain without an MX: Pending, so RejectMessage refuses its mail.
    identities = (identity("example.com", "mail.example.com")
                  + identity("billing@example.com", "bounce.example.com", "RejectMessage")
                  # Declared with an A-label, used with the U-label; and the other way round.
                  + identity(DEST_ACE)
                  + identity("b\u00fccher.example"))

    def smtputf8_send(self, sender, recipients, from_header):
        """smtplib over the local listener with SMTPUTF8: (code, text) of the final reply."""
        message = (f"From: {from_header}\r\nTo: {recipients[0]}\r\nSubject: t\r\n\r\nhi\r\n").encode()
        with smtplib.SMTP("127.0.0.1", self.ports["local"], timeout=30) as client:
            client.ehlo()
            try:
                client.sendmail(sender, recipients, message, mail_options=["SMTPUTF8"])
            except smtplib.SMTPRecipientsRefused as e:
                return e.recipients[recipients[0]]
            except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as e:
                return e.smtp_code, e.smtp_error.decode()
            return 250, ""

    def test_quoted_local_part_cannot_dodge_reject_message(self):
        for spelling in ['"billing"@example.com', '"bill\\ing"@example.com']:
            with self.subTest(spelling=spelling):
                # In the From header: the same mailbox, so the same RejectMessage refusal.
                r = self.swaks("--from", "app@example.com", "--to", "x@dest.example", "--h-From", spelling,
                               listener="local")
                self.assertIn("554 5.7.1 Message rejected: MailFromDomainNotVerified", r.stdout)
                self.assertIsNone(accepted_id(r.stdout), r.stdout)
                # As the envelope sender too.
                r = self.swaks("--from", spelling, "--to", "x@dest.example", "--h-From", spelling, listener="local")
                self.assertIn("554 5.7.1 Message rejected: MailFromDomainNotVerified", r.stdout)
        rejects = self.events("Reject")
        self.assertEqual({e["policy"]["identity"] for e in rejects}, {"billing@example.com"})
        self.assertEqual(self.events("Send"), [])

    def test_explain_agrees_with_the_relay(self):
        for spelling in ['"billing"@example.com', '"bill\\ing"@example.com']:
            with self.subTest(spelling=spelling):
                r = run_mfrelay("explain", "--from", spelling, "-c", self.config)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertRegex(r.stdout, r"identity:\s+billing@example.com \(address")
                self.assertIn("554 5.7.1 Message rejected: MailFromDomainNotVerified", r.stdout)

    def test_u_label_recipient_domain_is_accepted_under_smtputf8(self):
        code, text = self.smtputf8_send("news@example.com", [f"u@{DEST}"], "news@example.com")
        self.assertEqual(code, 250, text)
        send = self.events("Send")[-1]
        self.assertEqual(send["mail"]["destination"], [f"u@{DEST}"])  # kept as the client wrote it

    def test_u_label_and_a_label_spellings_match_each_other(self):
        # Identity declared with an A-label, message written with the U-label...
        code, text = self.smtputf8_send(f"news@{DEST}", ["x@dest.example"], f"News <news@{DEST}>")
        self.assertEqual(code, 250, text)
        # ...and declared with a U-label, written with the A-label (no SMTPUTF8 needed for that).
        r = self.swaks("--from", "a@xn--bcher-kva.example", "--to", "x@dest.example",
                       "--h-From", "a@xn--bcher-kva.example", listener="local")
        self.assertIsNotNone(accepted_id(r.stdout), r.stdout)
        identities = [e["policy"]["identity"] for e in self.events("Send")]
        self.assertEqual(identities, [DEST_ACE, "xn--bcher-kva.example"])
        # explain agrees, in either spelling.
        for spelling in [f"news@{DEST}", f"news@{DEST_ACE}"]:
            r = run_mfrelay("explain", "--from", spelling, "-c", self.config)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertRegex(r.stdout, rf"identity:\s+{DEST_ACE} \(domain")

    def test_unusable_from_header_says_what_is_wrong(self):
        prefix = "554 5.6.0 Message rejected: the From header's address is not valid: "
        cases = [
            ("x" * 900 + "@example.com", "its local part is 900 octets long, more than 64"),
            ("x@ex\u00e4mple.com", "holds non-ASCII characters, which need SMTPUTF8"),
            ("<@relay.org:billing@example.com>", "source routes (<@relay:user@domain>) are not accepted"),
        ]
        for header, why in cases:
            with self.subTest(header=header[:40]):
                with smtplib.SMTP("127.0.0.1", self.ports["local"], timeout=30) as client:
                    client.ehlo()
                    message = f"From: {header}\r\nSubject: t\r\n\r\nhi\r\n".encode()
                    with self.assertRaises(smtplib.SMTPDataError) as caught:
                        client.sendmail("news@example.com", ["x@dest.example"], message)
                    reply = f"{caught.exception.smtp_code} {caught.exception.smtp_error.decode()}"
                    self.assertTrue(reply.startswith(prefix), reply)
                    self.assertIn(why, reply)
                    self.assertNotIn("no From header", reply)
        # A message without any From keeps its own text.
        with smtplib.SMTP("127.0.0.1", self.ports["local"], timeout=30) as client:
            with self.assertRaises(smtplib.SMTPDataError) as caught:
                client.sendmail("news@example.com", ["x@dest.example"], b"Subject: none\r\n\r\nhi\r\n")
            self.assertEqual(caught.exception.smtp_error.decode(),
                             "5.6.0 Message rejected: the message has no From header")


if __name__ == "__main__":
    unittest.main()
