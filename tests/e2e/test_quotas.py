"""[quota] end to end: smtplib sends faster than max_send_rate and sees SES's
`454 4.7.0 Throttling failure: Maximum sending rate exceeded` after DATA; with
max_24_hour_send = 3 the 4th message gets `Daily message quota exceeded`; SES
v1 GetSendQuota and SESv2 GetAccount (botocore, the client boto3 wraps) report
the limits and the count sent, and the count (with the daily quota it feeds
and the send statistics) goes on after a restart."""
import signal
import smtplib
import unittest

from harness import MFRELAY, TempDirTest, free_port, identity, relay_config, wait_for_port, wait_until
from peer import Peer
from test_suppression import client


def message():
    return "From: app@example.com\r\nTo: ok@example.net\r\nSubject: q\r\n\r\nhello\r\n"


class QuotaTest(TempDirTest):
    def start_relay(self, quota):
        self.peer = Peer(self)
        self.local = free_port()
        extra = f'[delivery]\nsmarthost = "127.0.0.1:{self.peer.port}"\n\n[quota]\n{quota}\n'
        self.config = relay_config(self, identities=identity("example.com"), extra=extra, listeners=[
            {"name": "local", "address": f"127.0.0.1:{self.local}", "tls": "none", "auth": "network"}])
        self.serve()

    def serve(self):
        self.relay = self.start([MFRELAY, "serve", "-c", self.config])
        wait_for_port(self.local, proc=self.relay)
        wait_for_port(self.admin_port, proc=self.relay)

    def send_many(self, n):
        """n messages on one connection, as fast as smtplib goes: the final reply of each."""
        replies = []
        with smtplib.SMTP("127.0.0.1", self.local, timeout=30) as c:
            c.ehlo()
            for _ in range(n):
                try:
                    c.sendmail("app@example.com", ["ok@example.net"], message())
                    replies.append((250, b""))
                except smtplib.SMTPDataError as e:
                    replies.append((e.smtp_code, e.smtp_error))
        return replies

    def test_rate(self):
        self.start_relay("max_send_rate = 2")
        replies = self.send_many(10)
        throttled = [r for r in replies if r[0] == 454]
        self.assertGreaterEqual(len([r for r in replies if r[0] == 250]), 2)
        self.assertGreater(len(throttled), 0, replies)
        self.assertEqual(throttled[0][1], b"4.7.0 Throttling failure: Maximum sending rate exceeded")
        quota = client(self, "ses").get_send_quota()
        self.assertEqual(quota["MaxSendRate"], 2.0)
        self.assertEqual(quota["Max24HourSend"], -1.0)  # unlimited
        self.assertEqual(quota["SentLast24Hours"], float(10 - len(throttled)))

    def test_daily(self):
        self.start_relay("max_24_hour_send = 3")
        replies = self.send_many(4)
        self.assertEqual([r[0] for r in replies], [250, 250, 250, 454])
        self.assertEqual(replies[3][1], b"4.7.0 Throttling failure: Daily message quota exceeded")
        quota = client(self, "ses").get_send_quota()
        self.assertEqual((quota["Max24HourSend"], quota["SentLast24Hours"]), (3.0, 3.0))
        account = client(self, "sesv2").get_account()
        self.assertEqual(account["SendQuota"], {"Max24HourSend": 3.0, "MaxSendRate": -1.0, "SentLast24Hours": 3.0})
        stats = client(self, "ses").get_send_statistics()["SendDataPoints"]
        self.assertIsInstance(stats, list)

        # A restart keeps the count: SentLast24Hours still 3, the quota still spent, the statistics kept.
        wait_until(lambda: sum(p["DeliveryAttempts"] for p in
                               client(self, "ses").get_send_statistics()["SendDataPoints"]) >= 3,
                   what="three delivery attempts counted")
        self.relay.send_signal(signal.SIGTERM)
        self.relay.wait(timeout=30)
        self.serve()
        self.assertEqual(client(self, "ses").get_send_quota()["SentLast24Hours"], 3.0)
        self.assertEqual(client(self, "sesv2").get_account()["SendQuota"]["SentLast24Hours"], 3.0)
        self.assertEqual(self.send_many(1)[0][0], 454)
        stats = client(self, "ses").get_send_statistics()["SendDataPoints"]
        self.assertEqual(sum(p["DeliveryAttempts"] for p in stats), 3)


if __name__ == "__main__":
    unittest.main()
