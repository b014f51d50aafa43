"""The feedback listener (role = "feedback"): mfrelay as the MX of its MAIL FROM
domains. A message goes out through the submission side to smtp-sink; its
envelope sender <message-id>@mail.example.com is taken from the sink; an RFC
3464 DSN and an RFC 5965 complaint addressed to it become Bounce and Complaint
events tied to the original message, identity and application sender, and the
bounce is forwarded to that sender from <>. Unknown ids, other domains and relay
attempts get 550 and leave no event; the index still answers after a restart."""
import json
import os
import smtplib
import time
import unittest
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from harness import free_port, run_mfrelay, wait_for_port, wait_until
from relay_fixture import FEEDBACK, RelayTest, accepted_id
import private_postfix

UNKNOWN_ID = "0100019c0a1b2c3d-00000000-0000-0000-0000-000000000001-000000"


def dsn(return_path, recipient, status, diagnostic, action="failed"):
    """A Postfix-shaped RFC 3464 report (written out: Python's email package wants
    message/delivery-status as parsed blocks)."""
    boundary = "4F1C21A0E2.1704110401/mx.dest.example"
    return (
        "From: MAILER-DAEMON@mx.dest.example (Mail Delivery System)\r\n"
        f"To: {return_path}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\n<{recipient}>: {diagnostic}\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.dest.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\nDiagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Return-Path: <{return_path}>\r\nFrom: news@example.com\r\nTo: {recipient}\r\nSubject: Newsletter\r\n\r\n"
        f"--{boundary}--\r\n")


def arf(return_path, recipient):
    """An RFC 5965 abuse report, as a mailbox provider's feedback loop sends it."""
    report = MIMEMultipart("report", report_type="feedback-report")
    report["From"] = "fbl@isp.example"
    report["To"] = return_path
    report["Subject"] = "Complaint"
    report.attach(MIMEText("This is an email abuse report.\n"))
    fields = MIMEBase("message", "feedback-report")
    fields.set_payload("Feedback-Type: abuse\nUser-Agent: ISP-FBL/1.0\nVersion: 1\n"
                       f"Original-Rcpt-To: {recipient}\nArrival-Date: Thu, 8 Mar 2026 14:00:00 -0800\n")
    report.attach(fields)
    original = EmailMessage()
    original["From"] = "news@example.com"
    original["To"] = recipient
    original["Subject"] = "Newsletter"
    original.set_content("hello\n")
    report.attach(MIMEMessage(original))
    return report.as_string()


class FeedbackListener(RelayTest):
    zone_records = [f"mail IN MX 10 {FEEDBACK}", 'mail IN TXT "v=spf1 include:amazonses.com ~all"']

    def configure_relay(self):
        super().configure_relay()
        # The feedback listener beside the fixture's three (the fixture waits for every port in self.ports).
        self.ports["feedback"] = free_port()
        with open(self.config) as f:
            text = f.read()
        text = text.replace("[[user]]", f'[[listener]]\nname = "mx"\naddress = "127.0.0.1:{self.ports["feedback"]}"\n'
                                         'tls = "none"\nrole = "feedback"\n\n[[user]]', 1)
        with open(self.config, "w") as f:
            f.write(text)

    def send_original(self, recipients=("reader@dest.example", "gone@dest.example")):
        """A message through the submission listener; returns (message id, its envelope sender at the sink)."""
        self.wait_status("example.com", "Success")
        before = len(self.sink.messages())
        r = self.swaks("--from", "app@example.com", "--to", ",".join(recipients), "--h-From", "news@example.com",
                       "--h-Subject", "Newsletter")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        message_id = accepted_id(r.stdout)
        self.assertIsNotNone(message_id, r.stdout)
        sink = self.sink_messages(before + 1)
        mail_from = [m["mail"].split()[0] for m in sink if message_id in m["mail"]][0]  # sink dumps: X-Mail-Args
        return_path = mail_from.strip("<>")
        self.assertEqual(return_path, f"{message_id}@mail.example.com")
        return message_id, return_path

    def feedback(self, sender, recipients, message):
        """One transaction on the feedback listener; (refused recipients, data reply) like sendmail."""
        with smtplib.SMTP("127.0.0.1", self.ports["feedback"], timeout=30) as client:
            client.ehlo("mx.dest.example")
            return client.sendmail(sender, recipients, message)

    def rcpt_reply(self, recipient, sender="<>"):
        with smtplib.SMTP("127.0.0.1", self.ports["feedback"], timeout=30) as client:
            client.ehlo("mx.dest.example")
            self.assertEqual(client.mail(sender)[0], 250)
            return client.rcpt(recipient)

    def suppressed(self):
        """The account-level suppression list, {address: reason}, through `mfrelay suppression`."""
        r = run_mfrelay("suppression", "list", "--format", "json", "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {row["EmailAddress"]: row["Reason"] for row in json.loads(r.stdout)}

    def wait_events(self, kind, count):
        return wait_until(lambda: self.events(kind) if len(self.events(kind)) >= count else None,
                          what=f"{count} {kind} events")

    def test_a_dsn_becomes_a_bounce_event_of_the_original_message(self):
        message_id, return_path = self.send_original()
        self.assertEqual(self.feedback("", [return_path], dsn(return_path, "gone@dest.example", "5.1.1",
                                                              "550 5.1.1 <gone@dest.example>: User unknown")), {})
        bounce = self.wait_events("Bounce", 1)[0]
        self.assertEqual(bounce["mail"]["messageId"], message_id)
        self.assertEqual(bounce["mail"]["source"], "app@example.com")
        self.assertEqual(sorted(bounce["mail"]["destination"]), ["gone@dest.example", "reader@dest.example"])
        self.assertEqual(bounce["mail"]["commonHeaders"]["subject"], "Newsletter")
        self.assertEqual(bounce["policy"]["identity"], "example.com")
        self.assertEqual(bounce["policy"]["returnPath"], return_path)
        self.assertEqual(bounce["bounce"]["bounceType"], "Permanent")
        self.assertEqual(bounce["bounce"]["bounceSubType"], "NoEmail")
        self.assertEqual(bounce["bounce"]["bouncedRecipients"], [
            {"emailAddress": "gone@dest.example", "action": "failed", "status": "5.1.1",
             "diagnosticCode": "smtp; 550 5.1.1 <gone@dest.example>: User unknown"}])
        self.assertEqual(bounce["bounce"]["reportingMTA"], "dns; mx.dest.example")
        self.assertEqual(bounce["bounce"]["remoteMtaIp"], "127.0.0.1")
        self.assertTrue(bounce["bounce"]["feedbackId"].endswith("-000000"))
        self.assertEqual(bounce["feedbackSession"]["listener"], "mx")

        # Forwarded (SES's default) to the application's own sender, from <>, through the spool to the sink.
        # Its Delivery event names the report's message; the sink's dump is complete once that is written.
        wait_until(lambda: [e for e in self.events("Delivery") if e["mail"].get("feedbackOf") == message_id] or None,
                   what="the forward's Delivery event")
        forwards = wait_until(lambda: [m for m in self.sink.messages() if (m["mail"].split() or [""])[0] in ("", "<>")
                                       and m["rcpt"]] or None, what="the forwarded bounce at the sink")
        self.assertEqual(len(forwards), 1)
        self.assertEqual(forwards[0]["rcpt"], ["<app@example.com>"])
        self.assertIn(f"X-Mfrelay-Original-Message-Id: {message_id}", forwards[0]["text"])
        self.assertIn("report-type=delivery-status", forwards[0]["text"])
        self.assertIn("Final-Recipient: rfc822; gone@dest.example", forwards[0]["text"])

        # A mailbox full is Transient; the same address, in the same report shape.
        self.feedback("", [return_path], dsn(return_path, "reader@dest.example", "4.2.2",
                                             "452 4.2.2 Mailbox full", action="failed"))
        transient = self.wait_events("Bounce", 2)[1]
        self.assertEqual(transient["bounce"]["bounceType"], "Transient")
        self.assertEqual(transient["bounce"]["bounceSubType"], "MailboxFull")

        # The permanent bounce put its recipient on the suppression list; the transient one did not.
        wait_until(lambda: "gone@dest.example" in self.suppressed(), what="gone@dest.example suppressed")
        self.assertEqual(self.suppressed(), {"gone@dest.example": "BOUNCE"})

        # The index is on disk: after a restart the same address still takes reports.
        self.restart_relay()
        self.assertEqual(self.rcpt_reply(f"<{return_path}>")[0], 250)

    def test_an_arf_report_becomes_a_complaint_event(self):
        message_id, return_path = self.send_original()
        self.feedback("fbl@isp.example", [return_path], arf(return_path, "reader@dest.example"))
        complaint = self.wait_events("Complaint", 1)[0]
        self.assertEqual(complaint["mail"]["messageId"], message_id)
        self.assertEqual(complaint["mail"]["source"], "app@example.com")
        self.assertEqual(complaint["policy"]["identity"], "example.com")
        self.assertEqual(complaint["complaint"]["complainedRecipients"], [{"emailAddress": "reader@dest.example"}])
        self.assertEqual(complaint["complaint"]["complaintFeedbackType"], "abuse")
        self.assertEqual(complaint["complaint"]["userAgent"], "ISP-FBL/1.0")
        self.assertEqual(complaint["complaint"]["arrivalDate"], "Thu, 8 Mar 2026 14:00:00 -0800")
        self.assertEqual(self.events("Bounce"), [])
        # The complainer goes on the suppression list, as in SES.
        wait_until(lambda: self.suppressed() == {"reader@dest.example": "COMPLAINT"},
                   what="reader@dest.example suppressed for the complaint")

    def test_delays_and_auto_replies_are_not_bounces(self):
        _, return_path = self.send_original()
        self.feedback("", [return_path], dsn(return_path, "gone@dest.example", "4.4.1", "451 4.4.1 later",
                                             action="delayed"))
        vacation = EmailMessage()
        vacation["From"] = "reader@dest.example"
        vacation["To"] = return_path
        vacation["Subject"] = "Out of office"
        vacation["Auto-Submitted"] = "auto-replied"
        vacation.set_content("I am away until Monday.\n")
        self.feedback("reader@dest.example", [return_path], vacation.as_string())
        # A complaint after them proves they were processed first (events are written in order).
        self.feedback("", [return_path], arf(return_path, "reader@dest.example"))
        self.wait_events("Complaint", 1)
        self.assertEqual(self.events("Bounce"), [])

    def test_unknown_ids_other_domains_and_relay_attempts_get_550(self):
        message_id, return_path = self.send_original()
        refused = [
            f"<{UNKNOWN_ID}@mail.example.com>",          # an id mfrelay never issued
            f"<{message_id}@other.example>",             # the right id on a domain that is not ours
            f"<{message_id}@us-west-2.amazonses.com>",   # the default domain: not accepted unless configured
            "<victim@dest.example>",                     # a relay attempt
            "<postmaster@mail.example.com>",             # not a message id
        ]
        for rcpt in refused:
            code, text = self.rcpt_reply(rcpt)
            self.assertEqual(code, 550, rcpt)
            self.assertIn(b"5.1.1", text)
            self.assertIn(b"Recipient address rejected", text)
        # A whole transaction to those recipients sends nothing: no DATA, no event.
        with self.assertRaises(smtplib.SMTPRecipientsRefused):
            self.feedback("", ["victim@dest.example"], dsn("victim@dest.example", "x@dest.example", "5.1.1",
                                                            "550 5.1.1 unknown"))
        # The feedback listener offers no AUTH and takes mail from anyone, <> included.
        with smtplib.SMTP("127.0.0.1", self.ports["feedback"], timeout=30) as client:
            client.ehlo("mx.dest.example")
            self.assertFalse(client.has_extn("auth"))
            self.assertEqual(client.mail("")[0], 250)
        time.sleep(0.5)
        self.assertEqual(self.events("Bounce") + self.events("Complaint"), [])
        # Only the one message was relayed to the sink: nothing was forwarded.
        self.assertEqual(len(self.sink.messages()), 1)




@unittest.skipUnless(os.geteuid() == 0 and os.path.exists(private_postfix.POSTFIX), "needs root and Postfix for a private instance")
class RealPostfixBounce(FeedbackListener):
    """mfrelay delivers to a private Postfix (its smarthost here, standing for the recipients' server), which
    accepts and later bounces through an error: transport; its real DSN travels to the feedback listener by a
    transport map for the MAIL FROM domain, and mfrelay's forward of it reaches the application's mailbox
    (smtp-sink, through the same Postfix)."""

    def configure_relay(self):
        super().configure_relay()
        if not getattr(self, "postfix_conf", None):
            self.start_postfix()
        with open(self.config) as f:
            text = f.read()
        text = text.replace(f'smarthost = "{self.sink.address()}"', f'smarthost = "127.0.0.1:{self.postfix_port}"')
        with open(self.config, "w") as f:
            f.write(text)

    def start_postfix(self):
        self.postfix_port = free_port()
        transport = self.write("postfix/etc/transport",
                               "dest.example error:5.1.1 <gone@dest.example>: User unknown\n"
                               f"mail.example.com smtp:[127.0.0.1]:{self.ports['feedback']}\n"
                               f"example.com smtp:[127.0.0.1]:{self.sink.port}\n")
        self.postfix_conf = private_postfix.configure(self, f"127.0.0.1:{self.postfix_port}", "mx.dest.example",
                                                      "dest.example", f"""relay_domains = dest.example
transport_maps = texthash:{transport}
smtp_dns_support_level = disabled
# Accept at RCPT, bounce later (the error: transport): the DSN must travel back.
smtpd_reject_unlisted_recipient = no
""")
        self.addCleanup(private_postfix.stop, self.postfix_conf)
        r = private_postfix.run(self.postfix_conf, "start")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        wait_for_port(self.postfix_port, timeout=30)

    def maillog(self):
        try:
            with open(os.path.join(self.path("postfix"), "maillog")) as f:
                return f.read()
        except OSError:
            return ""

    def test_postfix_bounces_and_its_dsn_becomes_a_bounce_event_and_a_forward(self):
        self.wait_status("example.com", "Success")
        r = self.swaks("--from", "app@example.com", "--to", "gone@dest.example", "--h-From", "news@example.com",
                       "--h-Subject", "Newsletter")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        message_id = accepted_id(r.stdout)
        self.assertIsNotNone(message_id, r.stdout)
        # Postfix accepted it (a Delivery event), then bounced it to <id>@mail.example.com.
        self.wait_events("Delivery", 1)
        bounce = wait_until(lambda: [e for e in self.events("Bounce") if "feedbackSession" in e] or None, timeout=60,
                            what="a Bounce event from Postfix's DSN")[0]
        self.assertEqual(len(self.events("Bounce")), 1, "mfrelay's delivery itself saw no failure")
        self.assertEqual(bounce["mail"]["messageId"], message_id)
        self.assertEqual(bounce["mail"]["source"], "app@example.com")
        self.assertEqual(bounce["policy"]["identity"], "example.com")
        self.assertEqual(bounce["bounce"]["bounceType"], "Permanent")
        self.assertEqual(bounce["bounce"]["bounceSubType"], "NoEmail")
        self.assertEqual([r["emailAddress"] for r in bounce["bounce"]["bouncedRecipients"]], ["gone@dest.example"])
        self.assertEqual(bounce["bounce"]["bouncedRecipients"][0]["status"], "5.1.1")
        self.assertEqual(bounce["bounce"]["reportingMTA"], "dns; mx.dest.example")
        # The forward: from <> through Postfix to the application's mailbox (the sink; its dump may still be
        # growing when first seen, hence the wait for the report's body).
        try:
            forward = wait_until(lambda: [m for m in self.sink.messages()
                                               if any(r.startswith("<app@example.com>") for r in m["rcpt"])
                                               and "Final-Recipient" in m["text"]] or None,
                                 timeout=30, what="the forwarded bounce in app@example.com's mailbox")
        except TimeoutError as e:
            raise AssertionError(f"{e}\nPostfix's log:\n{self.maillog()}") from None
        self.assertIn(f"X-Mfrelay-Original-Message-Id: {message_id}", forward[0]["text"])
        self.assertIn("Final-Recipient: rfc822; gone@dest.example", forward[0]["text"])

    # The other tests of the class need the sink as the smarthost.
    test_a_dsn_becomes_a_bounce_event_of_the_original_message = None
    test_an_arf_report_becomes_a_complaint_event = None
    test_delays_and_auto_replies_are_not_bounces = None
    test_unknown_ids_other_domains_and_relay_attempts_get_550 = None


if __name__ == "__main__":
    unittest.main()
