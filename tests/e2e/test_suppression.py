"""The account-level suppression list end to end: botocore's sesv2 client (the
client boto3 wraps; Debian's awscli copy) and `mfrelay suppression` change it;
a message to a suppressed recipient is accepted (250), not delivered to it (the
smarthost never sees it) while the other recipient gets it, and a Bounce event
Permanent/OnAccountSuppressionList is logged with a DSN to the sender."""
import datetime
import json
import time
import unittest

import awscli  # noqa: F401  (botocore from the awscli copy, as admin_client does)
import botocore.session
from botocore.config import Config

from admin_client import REGION
from harness import (ADMIN_KEY_ID, ADMIN_SECRET, MFRELAY, TempDirTest, free_port, identity, read_events,
                     relay_config, run_mfrelay, wait_for_port, wait_until)
from peer import Peer
from relay_fixture import smtplib_send


def client(test, service):
    session = botocore.session.get_session()
    return session.create_client(service, region_name=REGION, endpoint_url=f"http://127.0.0.1:{test.admin_port}",
                                 aws_access_key_id=ADMIN_KEY_ID, aws_secret_access_key=ADMIN_SECRET,
                                 config=Config(retries={"max_attempts": 1}))


def message(to):
    return f"From: app@example.com\r\nTo: {to}\r\nSubject: hi\r\n\r\nhello\r\n"


class SuppressionTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.peer = Peer(self)
        self.local = free_port()
        delivery = f'[delivery]\nsmarthost = "127.0.0.1:{self.peer.port}"\n'
        self.config = relay_config(self, identities=identity("example.com"), extra=delivery, listeners=[
            {"name": "local", "address": f"127.0.0.1:{self.local}", "tls": "none", "auth": "network"}])
        self.relay = self.start([MFRELAY, "serve", "-c", self.config])
        wait_for_port(self.local, proc=self.relay)
        wait_for_port(self.admin_port, proc=self.relay)
        self.sesv2 = client(self, "sesv2")

    def cli(self, *args, code=0):
        r = run_mfrelay("suppression", *args, "-c", self.config)
        self.assertEqual(r.returncode, code, r.stderr)
        return r

    def test_api_calls_and_errors(self):
        v2 = self.sesv2
        v2.put_suppressed_destination(EmailAddress="Bob@Example.COM", Reason="BOUNCE")
        v2.put_suppressed_destination(EmailAddress="eve@example.org", Reason="COMPLAINT")
        got = v2.get_suppressed_destination(EmailAddress="Bob@example.com")["SuppressedDestination"]
        self.assertEqual(got["EmailAddress"], "Bob@example.com")
        self.assertEqual(got["Reason"], "BOUNCE")
        self.assertIsInstance(got["LastUpdateTime"], datetime.datetime)

        listed = v2.list_suppressed_destinations()["SuppressedDestinationSummaries"]
        self.assertEqual([d["EmailAddress"] for d in listed], ["Bob@example.com", "eve@example.org"])
        only = v2.list_suppressed_destinations(Reasons=["COMPLAINT"])["SuppressedDestinationSummaries"]
        self.assertEqual([d["EmailAddress"] for d in only], ["eve@example.org"])
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        self.assertEqual(v2.list_suppressed_destinations(StartDate=future)["SuppressedDestinationSummaries"], [])
        page = v2.list_suppressed_destinations(PageSize=1)
        self.assertEqual(len(page["SuppressedDestinationSummaries"]), 1)
        rest = v2.list_suppressed_destinations(PageSize=1, NextToken=page["NextToken"])
        self.assertEqual(rest["SuppressedDestinationSummaries"][0]["EmailAddress"], "eve@example.org")

        with self.assertRaises(v2.exceptions.NotFoundException):
            v2.get_suppressed_destination(EmailAddress="nobody@example.com")
        with self.assertRaises(v2.exceptions.BadRequestException):
            v2.put_suppressed_destination(EmailAddress="not-an-address", Reason="BOUNCE")
        with self.assertRaises(v2.exceptions.BadRequestException):
            v2.put_suppressed_destination(EmailAddress="a@example.com", Reason="SPAM")
        v2.delete_suppressed_destination(EmailAddress="eve@example.org")
        with self.assertRaises(v2.exceptions.NotFoundException):
            v2.delete_suppressed_destination(EmailAddress="eve@example.org")

        self.assertEqual(v2.get_account()["SuppressionAttributes"]["SuppressedReasons"], ["BOUNCE", "COMPLAINT"])
        v2.put_account_suppression_attributes(SuppressedReasons=[])
        self.assertEqual(v2.get_account()["SuppressionAttributes"]["SuppressedReasons"], [])

    def test_cli(self):
        self.assertIn("the suppression list is empty", self.cli().stdout)
        self.assertIn("added bob@example.net (BOUNCE)", self.cli("add", "bob@example.net", "--reason", "BOUNCE").stdout)
        self.cli("add", "bob@example.net", code=2)  # --reason is required
        self.cli("add", "bob@example.net", "--reason", "SPAM", code=2)
        listed = json.loads(self.cli("--format", "json").stdout)
        self.assertEqual([(d["EmailAddress"], d["Reason"]) for d in listed], [("bob@example.net", "BOUNCE")])
        self.assertIn("bob@example.net  BOUNCE", self.cli("list").stdout)
        self.assertEqual(self.sesv2.get_suppressed_destination(EmailAddress="bob@example.net")
                         ["SuppressedDestination"]["Reason"], "BOUNCE")
        self.assertIn("removed bob@example.net", self.cli("remove", "bob@example.net").stdout)
        missing = self.cli("remove", "bob@example.net", code=1)
        self.assertIn("does not exist on your suppression list", missing.stderr)

    def test_suppressed_recipient_is_not_delivered(self):
        self.cli("add", "gone@example.net", "--reason", "BOUNCE")
        # Automatic suppression off: explicit entries still apply (SES).
        self.sesv2.put_account_suppression_attributes(SuppressedReasons=[])
        reply = smtplib_send(self.local, "app@example.com", ["gone@example.net", "ok@example.net"],
                             message("gone@example.net, ok@example.net"))
        wait_until(lambda: [e for e in read_events(self) if e["eventType"] == "Bounce"] or None,
                   what="the Bounce event")
        bounce = [e for e in read_events(self) if e["eventType"] == "Bounce"][0]["bounce"]
        self.assertEqual(bounce["bounceType"], "Permanent")
        self.assertEqual(bounce["bounceSubType"], "OnAccountSuppressionList")
        self.assertEqual([r["emailAddress"] for r in bounce["bouncedRecipients"]], ["gone@example.net"])
        self.assertEqual(bounce["bouncedRecipients"][0]["status"], "5.1.1")
        self.assertIn("suppression list", bounce["bouncedRecipients"][0]["diagnosticCode"])
        wait_until(lambda: [e for e in read_events(self) if e["eventType"] == "Delivery"] or None,
                   what="the Delivery to ok@")
        # The DSN goes back to the application's sender (the smarthost gets it too).
        wait_until(lambda: [m for m in self.peer.messages() if m["rcpt_tos"] == ["app@example.com"]] or None,
                   what="the DSN to the sender")
        time.sleep(0.5)
        originals = [m for m in self.peer.messages() if m["rcpt_tos"] != ["app@example.com"]]
        self.assertEqual([m["rcpt_tos"] for m in originals], [["ok@example.net"]])
        dsn = [m for m in self.peer.messages() if m["rcpt_tos"] == ["app@example.com"]][0]
        self.assertIn("5.1.1", dsn["data"])
        self.assertIn("suppression list", dsn["data"])
        self.assertIsNotNone(reply)


if __name__ == "__main__":
    unittest.main()
