"""Three mfrelay nodes behind a real HAProxy 2.6 that sends PROXY v2, sharing
one private PostgreSQL 15 (tests/e2e/cluster.py, as `scripts/cluster up 3` runs
them): mail sent through the balancer leaves every node with the identity's
custom MAIL FROM; `network` auth sees the real client behind the balancer; kill
-9 of a node under load loses no message that got its 250 (the restarted node
delivers what it held); and a bounce taken by one node for a message another
sent suppresses the recipient on the third."""
import json
import os
import smtplib
import time
import unittest

from cluster import Cluster, ProxiedSMTP
from harness import TempDirTest, run_mfrelay, wait_until
from postgres_instance import PostgresInstance
from submitter import Submitter
from test_feedback_listener import dsn

CLIENT = "127.0.0.2"    # an application host in the trusted network
STRANGER = "127.0.0.3"  # another host behind the same balancer, not trusted


def message(subject):
    return f"From: app@example.com\r\nTo: reader@dest.example\r\nSubject: {subject}\r\n\r\nhello\r\n"


class ClusterTest(TempDirTest):
    sink_options = ()

    def setUp(self):
        # Registered before TempDirTest's cleanup, so it runs after it: the nodes stop first.
        self.pg = PostgresInstance()
        self.addCleanup(self.pg.stop)
        super().setUp()
        self.cluster = Cluster(self, 3, store_url=self.pg.start(), client_networks=[f"{CLIENT}/32"],
                               sink_options=self.sink_options)
        for node in self.cluster.nodes:
            wait_until(lambda: self.mail_from_status(node) == "Success", timeout=30,
                       what=f"bounce.example.com Success on {node.name}")

    def mail_from_status(self, node):
        r = run_mfrelay("status", "--format", "json", "-c", node.config)
        rows = json.loads(r.stdout) if r.returncode == 0 else []
        return next((row["status"] for row in rows if row["identity"] == "example.com"), None)

    def send(self, source, subject):
        with smtplib.SMTP("127.0.0.1", self.cluster.front["smtp"], timeout=30, source_address=(source, 0)) as c:
            return c.sendmail("app@example.com", ["reader@dest.example"], message(subject))

    def subjects_at_sink(self, originals_only=False):
        """{Subject: sink dump}; with originals_only, reports from <> (which quote the original's headers) left out."""
        out = {}
        for m in self.cluster.sink.messages():
            if originals_only and (m["mail"].split() or [""])[0] in ("", "<>"):
                continue
            for line in m["text"].split("\n"):
                if line.startswith("Subject: "):
                    out[line[len("Subject: "):].strip()] = m
        return out


class ThroughTheBalancer(ClusterTest):
    def test_mail_leaves_every_node_with_the_custom_mail_from(self):
        for i in range(9):
            self.assertEqual(self.send(CLIENT, f"rr-{i}"), {})
        got = wait_until(lambda: self.subjects_at_sink() if len(self.subjects_at_sink()) >= 9 else None,
                         timeout=30, what="9 messages at the sink")
        nodes = set()
        for subject, m in got.items():
            self.assertRegex(m["mail"], r"^<0100[0-9a-f-]+-000000@bounce\.example\.com>", subject)
            self.assertIn(f"([{CLIENT}])", m["text"], "the Received header names the client behind HAProxy")
            nodes |= {n.name for n in self.cluster.nodes if f"by {n.name}.cluster.test" in m["text"]}
        self.assertEqual(nodes, {"node1", "node2", "node3"}, "round robin over three nodes")

    def test_network_auth_sees_the_real_client_address(self):
        self.assertEqual(self.send(CLIENT, "trusted"), {})
        with self.assertRaises(smtplib.SMTPException) as refused:
            self.send(STRANGER, "stranger")
        self.assertGreaterEqual(getattr(refused.exception, "smtp_code", 0) or
                                min(code for code, _ in refused.exception.recipients.values()), 500)
        wait_until(lambda: "trusted" in self.subjects_at_sink(), timeout=30, what="the trusted message")
        self.assertNotIn("stranger", self.subjects_at_sink())


class OneStoreForAll(ClusterTest):
    def test_a_bounce_at_one_node_suppresses_the_recipient_at_another(self):
        # Sent through the balancer; the sink's envelope sender names the message, the events which node sent it.
        self.assertEqual(self.send(CLIENT, "to-be-bounced"), {})
        m = wait_until(lambda: self.subjects_at_sink().get("to-be-bounced"), timeout=30, what="the message at the sink")
        return_path = m["mail"].split()[0].strip("<>")
        message_id = return_path.split("@")[0]
        senders = wait_until(lambda: [n for n in self.cluster.nodes if any(
            e["mail"]["messageId"] == message_id for e in n.events("Send"))], timeout=10, what="the Send event")
        self.assertEqual(len(senders), 1)
        sender = senders[0]
        a, c = [n for n in self.cluster.nodes if n is not sender]
        wait_until(lambda: self.pg.sql(f"SELECT count(*) FROM sent_message WHERE message_id = '{message_id}'")
                   == [["1"]], timeout=10, what="the sender's index row in PostgreSQL")

        # The recipient's MX reports it gone, to node A's feedback listener (as HAProxy would hand it over).
        report = dsn(return_path, "reader@dest.example", "5.1.1", "550 5.1.1 <reader@dest.example>: User unknown")
        with ProxiedSMTP(a.ports["feedback"], "127.0.0.9", timeout=30) as mx:
            mx.ehlo("mx.dest.example")
            self.assertEqual(mx.sendmail("", [return_path], report), {})
        bounce = wait_until(lambda: a.events("Bounce"), timeout=20, what=f"the Bounce event at {a.name}")[0]
        self.assertEqual(bounce["mail"]["messageId"], message_id)
        self.assertEqual(bounce["mail"]["source"], "app@example.com")
        self.assertEqual(bounce["bounce"]["bounceType"], "Permanent")
        self.assertEqual([r["emailAddress"] for r in bounce["bounce"]["bouncedRecipients"]], ["reader@dest.example"])
        self.assertEqual(sender.events("Bounce"), [], "the sender itself took no report")

        # The suppression entry is in the one store: node C lists it.
        wait_until(lambda: self.suppressed(c).get("reader@dest.example") == "BOUNCE", timeout=20,
                   what=f"reader@dest.example suppressed, as {c.name} sees it")
        time.sleep(2.5)  # a node re-reads the shared suppression list every second (margin for a busy machine)

        # Node C takes the next message to that recipient as SES would (250, then not delivered): a
        # Permanent/OnAccountSuppressionList Bounce, and the smarthost never sees it.
        with ProxiedSMTP(c.ports["smtp"], CLIENT, timeout=30) as client:
            self.assertEqual(client.sendmail("app@example.com", ["reader@dest.example"], message("after-bounce")),
                             {})
        suppressed = wait_until(lambda: c.events("Bounce"), timeout=20, what=f"the suppression Bounce at {c.name}")[0]
        self.assertEqual(suppressed["bounce"]["bounceSubType"], "OnAccountSuppressionList")
        self.assertEqual([r["emailAddress"] for r in suppressed["bounce"]["bouncedRecipients"]],
                         ["reader@dest.example"])
        time.sleep(1)  # a delivery would have reached the sink by now (retry_schedule 1s)
        self.assertNotIn("after-bounce", self.subjects_at_sink(originals_only=True))

    def suppressed(self, node):
        """The suppression list, {address: reason}, through `mfrelay suppression list` on that node's config."""
        r = run_mfrelay("suppression", "list", "--format", "json", "-c", node.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {row["EmailAddress"]: row["Reason"] for row in json.loads(r.stdout)}


def spool_segments(node):
    path = os.path.join(node.dir, "var", "spool", "segments")
    return os.listdir(path) if os.path.isdir(path) else []


class NodeKilledUnderLoad(ClusterTest):
    sink_options = ("-W", ".:1")  # a slow smarthost: messages wait in the spools

    def test_kill_9_of_a_node_loses_no_acknowledged_message(self):
        victim = self.cluster.nodes[1]
        load = Submitter(self.cluster.front["smtp"], 6, prefix="cluster", source=CLIENT, reconnect=True)
        try:
            wait_until(lambda: load.count() >= 60, timeout=60, what="60 messages accepted")
            self.assertNotEqual(spool_segments(victim), [], "the victim must hold mail when it dies")
            self.cluster.kill_node(victim)
            before = load.count()
            wait_until(lambda: load.count() >= before + 60, timeout=60,
                       what="the other nodes keep accepting after the kill")
        finally:
            load.join()
        self.assertEqual(load.refused, [])
        self.cluster.start_node(victim)
        want = {subject for _, subject in load.accepted}
        wait_until(lambda: want <= set(self.subjects_at_sink()), timeout=120,
                   what=f"all {len(want)} acknowledged messages at the sink")


if __name__ == "__main__":
    unittest.main()
