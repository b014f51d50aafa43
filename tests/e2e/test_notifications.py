"""MAIL FROM state-change notifications and event outputs end to end: a real
knotd moves a domain from Pending to Success, and the real `mfrelay serve`
mails the operator (through its own spool to the smtp-sink smarthost, from
the null sender) and POSTs the event to a webhook (a small http.server in a
thread). Also: SIGUSR1 reopens the event file (logrotate), and events go to
syslog over UDP as RFC 5424 lines."""
import email
import email.policy
import http.server
import json
import os
import re
import signal
import socket
import threading
import unittest

from harness import identity, read_events, wait_until
from relay_fixture import FEEDBACK, RelayTest, accepted_id

SPF = '"v=spf1 include:amazonses.com ~all"'
OPS = "ops@example.net"


class Webhook:
    """An HTTP server on a loopback port that records every POST and answers 204."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with hook.lock:
                    hook.posts.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def events(self):
        with self.lock:
            return [json.loads(p["body"]) for p in self.posts]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def status_changes(events, ident="example.com"):
    return [e for e in events if e.get("eventType") == "MailFromDomainStatusChange"
            and e["mailFromDomainStatusChange"]["identity"] == ident]


class Notifications(RelayTest):
    zone_records = [f"mail IN TXT {SPF}"]  # the MX comes during the test
    identities = identity("example.com", "mail.example.com") + identity("other.org")

    def setUp(self):
        self.webhook = Webhook()
        self.addCleanup(self.webhook.stop)  # runs even when setUp fails further down
        self.extra_config = (f'[notifications]\nemail = "{OPS}"\n'
                             f'webhook = "http://127.0.0.1:{self.webhook.port}/hook"\n')
        super().setUp()

    def notification_mails(self, status):
        """The notification mails for example.com that reached the smarthost, parsed, with the sink's dump."""
        out = []
        for m in self.sink.messages():
            parsed = email.message_from_bytes(m["raw"], policy=email.policy.default)
            if parsed["Subject"] == f"MAIL FROM domain mail.example.com for example.com is now {status}":
                out.append((m, parsed))
        return out

    def test_pending_to_success_mails_the_operator_and_posts_the_event(self):
        # Starting at Pending is a change too: one POST for it, before anything else.
        wait_until(lambda: status_changes(self.webhook.events()), what="the Pending notification")
        first = status_changes(self.webhook.events())[0]["mailFromDomainStatusChange"]
        self.assertEqual((first["previousStatus"], first["status"]), (None, "Pending"))

        self.knot.edit("example.com", set_records=[("mail", 60, "MX", "10 " + FEEDBACK)])
        self.wait_status("example.com", "Success")

        # The webhook: the event as the event log holds it, POSTed as JSON to the configured path.
        posts = wait_until(lambda: [p for p in self.webhook.posts
                                    if b'"status":"Success"' in p["body"]], what="the Success POST")
        self.assertEqual(len(posts), 1)
        post = posts[0]
        self.assertEqual(post["path"], "/hook")
        self.assertEqual(post["headers"]["Content-Type"], "application/json")
        event = json.loads(post["body"])
        self.assertEqual(event["eventType"], "MailFromDomainStatusChange")
        change = event["mailFromDomainStatusChange"]
        self.assertEqual((change["identity"], change["mailFromDomain"]), ("example.com", "mail.example.com"))
        self.assertEqual((change["previousStatus"], change["status"]), ("Pending", "Success"))
        self.assertEqual(change["dns"]["mx"], {"outcome": "ok", "records": ["10 " + FEEDBACK.rstrip(".")]})
        self.assertEqual(event["policy"]["status"], "Success")
        logged = [e for e in status_changes(read_events(self)) if e["mailFromDomainStatusChange"]["status"] == "Success"]
        self.assertEqual(logged, [event])
        # In order: Pending, then Success; nothing for other.org (no custom MAIL FROM domain).
        self.assertEqual([(e["mailFromDomainStatusChange"]["previousStatus"], e["mailFromDomainStatusChange"]["status"])
                          for e in self.webhook.events()], [(None, "Pending"), ("Pending", "Success")])

        # The mail: through mfrelay's own spool to the smarthost, from the null sender, to the operator.
        dump, mail = wait_until(lambda: (self.notification_mails("Success") or [None])[0],
                                what="the Success notification at the smarthost")
        self.assertEqual(dump["mail"].split()[0], "<>")
        self.assertEqual(dump["rcpt"], [f"<{OPS}>"])
        self.assertEqual(mail["To"], OPS)
        self.assertEqual(mail["From"], "mfrelay@mfrelay.test")
        self.assertEqual(mail["Auto-Submitted"], "auto-generated")
        body = mail.get_body().get_content()
        self.assertIn("is now Success (it was Pending)", body)
        self.assertIn("10 feedback-smtp.us-west-2.amazonses.com", body)
        # The Pending notification went out too, each as its own message.
        wait_until(lambda: self.notification_mails("Pending"), what="the Pending notification at the smarthost")
        self.assertEqual(len(self.notification_mails("Success")), 1)
        delivered = [e for e in self.events("Delivery") if e["mail"]["destination"] == [OPS]]
        self.assertEqual({e["policy"]["decision"] for e in delivered}, {"notification"})

    def relay_log(self):
        with open(self.relay.log_path, errors="replace") as f:
            return f.read()

    def test_sigusr1_reopens_the_event_log(self):
        log = self.path("var", "log", "events.jsonl")
        wait_until(lambda: os.path.exists(log) and read_events(self), what="the first event")
        os.rename(log, log + ".1")
        self.relay.send_signal(signal.SIGUSR1)
        wait_until(lambda: "event log reopened" in self.relay_log(), what="the reopen")
        r = self.swaks("--from", "news@example.com", "--to", "reader@dest.example", "--h-From", "news@example.com",
                       listener="local")
        message_id = accepted_id(r.stdout)
        self.assertIsNotNone(message_id, r.stdout)
        sends = wait_until(lambda: self.events("Send"), what="the Send event in the new file")
        self.assertEqual([e["mail"]["messageId"] for e in sends], [message_id])
        with open(log + ".1") as f:
            old = f.read()
        self.assertNotIn(message_id, old)
        self.assertIn("MailFromDomainStatusChange", old)
        self.assertIsNone(self.relay.poll())


SYSLOG_LINE = re.compile(r"^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) - (\{.*\})$", re.S)
SEVERITY = {"Send": 6, "Delivery": 6, "Reject": 4, "MailFromDomainStatusChange": 5}
MAIL_FACILITY = 2


class DkimNotifications(RelayTest):
    """An identity with dkim = true: its DKIM status changes are POSTed to the webhook too."""
    identities = '[[identity]]\nname = "example.com"\ndkim = true\n'

    def setUp(self):
        self.webhook = Webhook()
        self.addCleanup(self.webhook.stop)
        self.extra_config = f'[notifications]\nwebhook = "http://127.0.0.1:{self.webhook.port}/hook"\n'
        super().setUp()

    def test_dkim_status_changes_are_posted(self):
        # The keys made at start: NOT_STARTED -> PENDING, posted as the event log holds it.
        change = wait_until(lambda: [e["dkimStatusChange"] for e in self.webhook.events()
                                     if e.get("eventType") == "DkimStatusChange"] or None,
                            what="the DkimStatusChange POST")[0]
        self.assertEqual((change["identity"], change["previousStatus"], change["status"]),
                         ("example.com", None, "PENDING"))
        self.assertEqual(len(change["tokens"]), 3)


class Syslog(RelayTest):
    identities = identity("example.com", "mail.example.com") + identity("billing@example.com",
                                                                          "bounce.example.com", "RejectMessage")

    def setUp(self):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(self.udp.close)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.2)
        self.datagrams = []
        self.events_config = f'syslog = "udp:127.0.0.1:{self.udp.getsockname()[1]}"'
        super().setUp()

    def receive(self):
        try:
            while True:
                self.datagrams.append(self.udp.recv(65535))
        except socket.timeout:
            pass
        return self.datagrams

    def parsed(self):
        out = []
        for d in self.receive():
            text = d.decode("utf-8")
            m = SYSLOG_LINE.match(text)
            self.assertIsNotNone(m, text)
            out.append({"pri": int(m.group(1)), "timestamp": m.group(2), "hostname": m.group(3),
                        "app": m.group(4), "procid": m.group(5), "msgid": m.group(6), "event": json.loads(m.group(7))})
        return out

    def test_events_go_to_syslog_over_udp_as_rfc5424(self):
        r = self.swaks("--from", "news@example.com", "--to", "reader@dest.example", "--h-From", "news@example.com",
                       listener="local")
        self.assertIsNotNone(accepted_id(r.stdout), r.stdout)
        r = self.swaks("--from", "billing@example.com", "--to", "x@dest.example", "--h-From", "billing@example.com",
                       listener="local")
        self.assertIn("MailFromDomainNotVerified", r.stdout)
        lines = wait_until(lambda: (lambda ls: ls if set(SEVERITY) <= {l["event"]["eventType"] for l in ls} else None)(
            self.parsed()), what="Send, Delivery, Reject and MailFromDomainStatusChange over syslog")
        for line in lines:
            kind = line["event"]["eventType"]
            with self.subTest(kind=kind):
                self.assertEqual(line["app"], "mfrelay")
                self.assertEqual(line["procid"], str(self.relay.pid))
                self.assertEqual(line["msgid"], kind)
                self.assertEqual(line["pri"] >> 3, MAIL_FACILITY)
                if kind in SEVERITY:
                    self.assertEqual(line["pri"] & 7, SEVERITY[kind])
                self.assertRegex(line["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        # The same events as the file, in the same order.
        wait_until(lambda: [l["event"] for l in self.parsed()] == read_events(self),
                   what="syslog and the event file to hold the same events")


if __name__ == "__main__":
    unittest.main()
