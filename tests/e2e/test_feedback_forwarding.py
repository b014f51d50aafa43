"""Feedback forwarding per identity through the admin API, end to end: boto3's
`ses` and `sesv2` clients and the stock `aws` CLI turn it off and on for
example.com (SetIdentityFeedbackForwardingEnabled,
PutEmailIdentityFeedbackAttributes) and read it back
(GetIdentityNotificationAttributes, GetEmailIdentity's
FeedbackForwardingStatus); the setting is in policy.d and survives a restart;
with it off a DSN at the feedback listener still makes its Bounce event and
suppression entry but nothing reaches the application's address, with it on
the report is forwarded there."""
import json
import tomllib
import unittest

# boto3 before admin_client: its `import awscli` would otherwise hand boto3 the
# awscli copy of botocore instead of the one Debian's python3-boto3 is built on.
import boto3  # noqa: F401
import botocore.exceptions

from admin_client import AdminApiClients
from harness import run_mfrelay, wait_until
import test_feedback_listener as listener


class FeedbackForwarding(AdminApiClients, listener.FeedbackListener):
    # One relay for the whole story: the listener tests run in their own file.
    test_a_dsn_becomes_a_bounce_event_of_the_original_message = None
    test_an_arf_report_becomes_a_complaint_event = None
    test_delays_and_auto_replies_are_not_bounces = None
    test_unknown_ids_other_domains_and_relay_attempts_get_550 = None

    def forwarding(self):
        """example.com's setting as each client reads it: (v1 boto3, v1 CLI, v2 boto3, v2 CLI)."""
        v1 = self.ses.get_identity_notification_attributes(Identities=["example.com"])["NotificationAttributes"]
        cli_v1 = self.aws_ok("ses", "get-identity-notification-attributes", "--identities", "example.com")
        v2 = self.sesv2.get_email_identity(EmailIdentity="example.com")
        cli_v2 = self.aws_ok("sesv2", "get-email-identity", "--email-identity", "example.com")
        self.assertEqual(v1["example.com"], cli_v1["NotificationAttributes"]["example.com"])
        return (v1["example.com"]["ForwardingEnabled"], cli_v1["NotificationAttributes"]["example.com"]["ForwardingEnabled"],
                v2["FeedbackForwardingStatus"], cli_v2["FeedbackForwardingStatus"])

    def declared_forwarding(self):
        with open(self.path("conf", "policy.d", "test.toml"), "rb") as f:
            ids = {i["name"]: i for i in tomllib.load(f)["identity"]}
        return ids["example.com"].get("forward_feedback", True)

    def forwards(self):
        """Delivered forwards (the sink's null-sender messages to the application's address)."""
        return [m for m in self.sink.messages()
                if (m["mail"].split() or [""])[0] in ("", "<>") and m["rcpt"] == ["<app@example.com>"]]

    def queued(self):
        r = run_mfrelay("queue", "--format", "json", "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_forwarding_off_and_on_through_boto3_and_the_cli(self):
        self.ses, self.sesv2 = self.client("ses"), self.client("sesv2")
        off, on = (False,) * 4, (True,) * 4
        self.assertEqual(self.forwarding(), on)  # SES's default
        attributes = self.ses.get_identity_notification_attributes(Identities=["example.com"])
        self.assertEqual(attributes["NotificationAttributes"]["example.com"], {
            "ForwardingEnabled": True, "HeadersInBounceNotificationsEnabled": False,
            "HeadersInComplaintNotificationsEnabled": False, "HeadersInDeliveryNotificationsEnabled": False})

        # Each client, each direction.
        self.sesv2.put_email_identity_feedback_attributes(EmailIdentity="example.com", EmailForwardingEnabled=False)
        self.assertEqual(self.forwarding(), off)
        self.assertFalse(self.declared_forwarding())
        self.aws_ok("ses", "set-identity-feedback-forwarding-enabled", "--identity", "example.com",
                    "--forwarding-enabled")
        self.assertEqual(self.forwarding(), on)
        self.assertTrue(self.declared_forwarding())
        self.ses.set_identity_feedback_forwarding_enabled(Identity="example.com", ForwardingEnabled=False)
        self.assertEqual(self.forwarding(), off)

        # Unknown identities: SES's errors, nothing written.
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.ses.set_identity_feedback_forwarding_enabled(Identity="nobody.example", ForwardingEnabled=True)
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidParameterValue")
        with self.assertRaises(self.sesv2.exceptions.NotFoundException):
            self.sesv2.put_email_identity_feedback_attributes(EmailIdentity="nobody.example",
                                                              EmailForwardingEnabled=True)
        self.assertEqual(self.ses.get_identity_notification_attributes(
            Identities=["nobody.example"])["NotificationAttributes"], {})

        # policy.d holds it: the restarted relay still has it off.
        self.restart_relay()
        self.assertEqual(self.forwarding(), off)

        # Off: the bounce is still an event and a suppression entry.
        message_id, return_path = self.send_original()
        self.assertEqual(self.feedback("", [return_path], listener.dsn(
            return_path, "gone@dest.example", "5.1.1", "550 5.1.1 <gone@dest.example>: User unknown")), {})
        bounce = self.wait_events("Bounce", 1)[0]
        self.assertEqual(bounce["mail"]["messageId"], message_id)
        self.assertEqual(bounce["bounce"]["bounceSubType"], "NoEmail")
        wait_until(lambda: "gone@dest.example" in self.suppressed(), what="gone@dest.example suppressed")

        # On again (the CLI's v2 call): the next report is forwarded.
        self.aws_ok("sesv2", "put-email-identity-feedback-attributes", "--email-identity", "example.com",
                    "--email-forwarding-enabled")
        self.assertEqual(self.forwarding(), on)
        self.feedback("", [return_path], listener.dsn(return_path, "reader@dest.example", "5.2.1",
                                                      "550 5.2.1 <reader@dest.example>: Mailbox disabled"))
        self.wait_events("Bounce", 2)
        wait_until(lambda: [e for e in self.events("Delivery") if e["mail"].get("feedbackOf") == message_id] or None,
                   what="the forward's Delivery event")
        forwards = wait_until(lambda: self.forwards() or None, what="the forwarded bounce at the sink")
        # Only the second report's. A forward of the first would have been on the spool before that
        # report's 250, so by now it would be at the sink (a second forward) or still queued.
        self.assertEqual(len(forwards), 1)
        self.assertIn("Final-Recipient: rfc822; reader@dest.example", forwards[0]["text"])
        self.assertNotIn("gone@dest.example", forwards[0]["text"])
        self.assertEqual(len([e for e in self.events("Delivery") if e["mail"].get("feedbackOf")]), 1)
        self.assertEqual(self.queued(), [])


if __name__ == "__main__":
    unittest.main()
