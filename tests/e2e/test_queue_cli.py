"""`mfrelay queue` against the running daemon: a deferred message is listed by
destination with its age, attempts and last error; `delete` drops one (never
delivered afterwards); `flush` retries the rest at once instead of at their
retry time (an hour away here)."""
import json
import time
import unittest
import urllib.request

from harness import run_mfrelay, stop_process, wait_until
from peer import Peer, PeerRelayTest
from relay_fixture import smtplib_send


def message(to):
    return f"From: app@example.com\r\nTo: {to}\r\nSubject: queued\r\n\r\nhello\r\n"


class QueueCliTest(PeerRelayTest):
    peer_replies = ("busy@example.net=451 4.2.1 mailbox busy, try later",)
    delivery = 'retry_schedule = ["1h"]\n'

    def queue(self, *args):
        r = run_mfrelay("queue", *args, "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_list_delete_flush(self):
        smtplib_send(self.local, "app@example.com", ["busy@example.net"], message("busy@example.net"))
        smtplib_send(self.local, "app@example.com", ["busy@example.net", "ok@example.net"],
                     message("busy@example.net"))
        wait_until(lambda: len(self.events("DeliveryDelay")) >= 2, what="two DeliveryDelay events")

        listed = json.loads(self.queue("--format", "json"))
        self.assertEqual(len(listed), 2)
        for m in listed:
            self.assertEqual(m["destination"], f"127.0.0.1:{self.peer.port}")
            self.assertEqual(m["recipients"], ["busy@example.net"])  # ok@ was delivered
            self.assertEqual(m["sender"], "app@example.com")
            self.assertEqual(m["attempts"], 1)
            self.assertEqual(m["lastError"], "smtp; 451 4.2.1 mailbox busy, try later")
            self.assertIsNotNone(m["nextAttempt"])
            self.assertGreaterEqual(m["ageSeconds"], 0)
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=10) as r:
            metrics = r.read().decode()
        self.assertIn(f'mfrelay_destination_queued_messages{{destination="127.0.0.1:{self.peer.port}"}} 2', metrics)
        table = self.queue()
        self.assertIn(f"127.0.0.1:{self.peer.port}: 2 messages", table)
        self.assertIn("last error: smtp; 451 4.2.1 mailbox busy, try later", table)

        deleted, kept = listed[0]["id"], listed[1]["id"]
        self.assertIn(f"deleted {deleted}", self.queue("delete", deleted))
        self.assertEqual([m["id"] for m in json.loads(self.queue("--format", "json"))], [kept])
        missing = run_mfrelay("queue", "delete", deleted, "-c", self.config)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no queued message", missing.stderr)

        # The mailbox frees up; without a flush the retry would be an hour away.
        stop_process(self.peer.proc)
        self.peer = Peer(self, port=self.peer.port)
        self.assertIn("1 messages are being retried now", self.queue("flush"))
        wait_until(lambda: [m for m in self.peer.messages() if "busy@example.net" in m["rcpt_tos"]] or None,
                   timeout=20, what="the flushed message at the smarthost")
        wait_until(lambda: json.loads(self.queue("--format", "json")) == [], what="an empty queue")
        time.sleep(1)
        # The deleted message never went out: busy@ got the flushed one only (ok@ got its copy earlier).
        self.assertEqual(sum("busy@example.net" in m["rcpt_tos"] for m in self.peer.messages()), 1)
        self.assertIn("the queue is empty", self.queue())

    def test_bad_usage(self):
        r = run_mfrelay("queue", "delete", "not-an-id", "-c", self.config)
        self.assertEqual(r.returncode, 2)
        self.assertIn("is not a message id", r.stderr)


if __name__ == "__main__":
    unittest.main()
