"""Bounce messages (RFC 3464 DSNs): a recipient refused with 5xx and another
deferred until max_age get one DSN, from the null sender, to the sender the
application gave; it parses with Python's email package as multipart/report
with a message/delivery-status part whose fields match each failure, and the
Bounce events name it. The smarthost is aiosmtpd, answering per recipient."""
import email
import email.policy
import time
import unittest

from harness import wait_until
from peer import PeerRelayTest
from relay_fixture import smtplib_send

MESSAGE = ("From: app@example.com\r\nTo: ok@example.net\r\nSubject: Invoice 42\r\n"
           "Message-ID: <invoice-42@example.com>\r\n\r\nhello\r\n")


def parse_dsn(text):
    """The DSN as Python's email package sees it: (message, [per-message fields, per-recipient fields...])."""
    msg = email.message_from_string(text, policy=email.policy.compat32)
    assert msg.get_content_type() == "multipart/report", msg.get_content_type()
    assert msg.get_param("report-type") == "delivery-status", msg.get_param("report-type")
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/delivery-status",
                                                     "text/rfc822-headers"], [p.get_content_type() for p in parts]
    return msg, parts[1].get_payload(), parts[2].get_payload()


def check_dsn(test, text, failures):
    """Every DSN the tests see goes through here. `failures`: {recipient: (status, text in Diagnostic-Code)}."""
    msg, blocks, headers = parse_dsn(text)
    test.assertEqual(blocks[0]["Reporting-MTA"], "dns; mfrelay.test")
    got = {}
    for block in blocks[1:]:
        recipient = block["Final-Recipient"].removeprefix("rfc822; ")
        test.assertEqual(block["Action"], "failed")
        got[recipient] = (block["Status"], block["Diagnostic-Code"])
    test.assertEqual(sorted(got), sorted(failures))
    for recipient, (status, diagnostic) in failures.items():
        test.assertEqual(got[recipient][0], status)
        test.assertIn(diagnostic, got[recipient][1])
    return msg, headers


class BounceMessageTest(PeerRelayTest):
    peer_replies = ("nobody@example.net=550 5.1.1 <nobody@example.net>: User unknown",
                    "slow@example.net=451 4.3.0 try later")
    delivery = 'retry_schedule = ["1s"]\nmax_age = "4s"\n'

    def test_one_dsn_lists_a_refusal_and_an_expiry(self):
        smtplib_send(self.local, "app@example.com", ["ok@example.net", "nobody@example.net", "slow@example.net"],
                     MESSAGE)
        dsns = wait_until(lambda: [m for m in self.peer.messages() if m["mail_from"] in ("", "<>")] or None,
                          timeout=30, what="the DSN at the smarthost")
        self.assertEqual(len(dsns), 1)
        dsn = dsns[0]
        self.assertEqual(dsn["rcpt_tos"], ["app@example.com"])  # as submitted, not the rewritten return path
        msg, headers = check_dsn(self, dsn["data"], {
            "nobody@example.net": ("5.1.1", "smtp; 550 5.1.1 <nobody@example.net>: User unknown"),
            "slow@example.net": ("4.4.7", "smtp; 451 4.3.0 try later")})
        self.assertIn("Subject: Invoice 42", headers)
        self.assertIn("Message-ID: <invoice-42@example.com>", headers)
        self.assertEqual(msg["To"], "<app@example.com>")
        self.assertEqual(msg["Auto-Submitted"], "auto-replied")

        # The delivered recipient got the original; both Bounce events name the DSN by its id.
        originals = [m for m in self.peer.messages() if m["mail_from"] not in ("", "<>")]
        self.assertEqual([m["rcpt_tos"] for m in originals], [["ok@example.net"]])
        bounces = wait_until(lambda: self.events("Bounce") if len(self.events("Bounce")) >= 2 else None,
                             what="two Bounce events")
        ids = {b["bounce"]["dsnMessageId"] for b in bounces}
        self.assertEqual(len(ids), 1)
        dsn_id = ids.pop()
        self.assertEqual(msg["Message-ID"], f"<{dsn_id}@mfrelay.test>")
        # The DSN's own delivery is an event of its own.
        wait_until(lambda: any(e["mail"]["messageId"] == dsn_id for e in self.events("Delivery")),
                   what="the DSN's Delivery event")

    def test_no_dsn_for_a_dsn(self):
        # A DSN submitted by an application (with a sender, against RFC 3464) that bounces gets no DSN back.
        report = ("From: app@example.com\r\nTo: nobody@example.net\r\nSubject: a report\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b--\r\n")
        smtplib_send(self.local, "app@example.com", ["nobody@example.net"], report)
        wait_until(lambda: self.events("Bounce"), what="the Bounce event")
        self.assertIsNone(self.events("Bounce")[0]["bounce"]["dsnMessageId"])
        time.sleep(2)  # twice the retry schedule: a DSN would have been sent by now
        self.assertEqual(len(self.events("Bounce")), 1)
        self.assertEqual(self.peer.messages(), [])


if __name__ == "__main__":
    unittest.main()
