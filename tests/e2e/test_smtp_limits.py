"""SMTP limits end to end, against the real mfrelay binary over raw sockets:
command and text line lengths, recipients, message size (SIZE= and actual),
protocol errors, idle timeout, concurrent sessions, and 1,000 idle sessions
held open while mail still flows. Each test is written so that it fails when
the limit it names is taken out of mfrelay."""
import resource
import time
import unittest

from harness import rss_kib, wait_until
from raw_smtp import ConnectionClosed, RawClient, ehlo
from relay_fixture import RelayTest

HEADERS = "From: app@example.com\r\nTo: a@dest.example\r\nSubject: limits\r\n\r\n"


def open_transaction(client, recipients=("a@dest.example",), mail_args=""):
    assert ehlo(client).code == 250
    r = client.command(f"MAIL FROM:<app@example.com>{mail_args}")
    assert r.code == 250, r
    for rcpt in recipients:
        r = client.command(f"RCPT TO:<{rcpt}>")
        assert r.code == 250, r
    r = client.command("DATA")
    assert r.code == 354, r


class Limits(RelayTest):
    extra_config = "\n[limits]\nmax_recipients = 3\nmax_message_bytes = 10000\nmax_errors = 3\n"

    def send(self, rcpt, body):
        with RawClient(self.ports["local"]) as c:
            open_transaction(c, [rcpt])
            return c.command(HEADERS + body + "\r\n.\r\n")

    def assert_only_delivered(self, rcpts):
        """Waits for the delivery of every accepted message, then checks the sink got just those."""
        messages = self.sink_messages(len(rcpts))
        self.assertEqual(sorted(m["rcpt"] for m in messages), sorted(rcpts))
        self.assertEqual(len(self.events("Send")), len(rcpts))

    def test_command_line_over_512_octets(self):
        with RawClient(self.ports["local"]) as c:
            self.assertEqual(ehlo(c).code, 250)
            # 512 octets with the CRLF is the most RFC 5321 allows, and it is allowed.
            line = "NOOP " + "x" * (510 - 5)
            self.assertEqual(len(line) + 2, 512)
            self.assertEqual(c.command(line).code, 250)
            r = c.command(line + "x")
            self.assertEqual((r.code, r.text), (500, "5.5.2 Error: line too long"))
            # A much longer line is skipped whole: its tail is not read as a command.
            r = c.command("NOOP " + "y" * 600 + "QUIT")
            self.assertEqual((r.code, r.text), (500, "5.5.2 Error: line too long"))
            self.assertTrue(c.quiet_for(0.3), c.buffer)
            self.assertEqual(c.command("NOOP").code, 250)

    def test_text_line_over_1000_octets_in_data(self):
        # 998 octets plus CRLF is the longest text line RFC 5321 allows: accepted.
        r = self.send("fits@dest.example", "x" * 998)
        self.assertEqual(r.code, 250, r)
        r = self.send("long@dest.example", "y" * 999)
        self.assertEqual((r.code, r.text), (554, "5.6.0 Message rejected: a line is longer than 1000 octets"))
        self.assert_only_delivered([["<fits@dest.example>"]])

    def test_recipients_beyond_max_recipients(self):
        rcpts = ["r1@dest.example", "r2@dest.example", "r3@dest.example"]
        with RawClient(self.ports["local"]) as c:
            self.assertEqual(ehlo(c).code, 250)
            self.assertEqual(c.command("MAIL FROM:<app@example.com>").code, 250)
            for rcpt in rcpts:
                self.assertEqual(c.command(f"RCPT TO:<{rcpt}>").code, 250)
            r = c.command("RCPT TO:<r4@dest.example>")
            self.assertEqual((r.code, r.text), (452, "4.5.3 Too many recipients"))
            self.assertEqual(c.command("DATA").code, 354)
            r = c.command(HEADERS + "three of four\r\n.\r\n")
            self.assertEqual(r.code, 250, r)
        self.assert_only_delivered([[f"<{x}>" for x in rcpts]])

    def test_size_parameter_over_max_message_bytes(self):
        with RawClient(self.ports["local"]) as c:
            self.assertEqual(ehlo(c).code, 250)
            r = c.command("MAIL FROM:<app@example.com> SIZE=10001")
            self.assertEqual((r.code, r.text), (552, "5.3.4 Message is too long."))
            # Refused at MAIL: there is no transaction for RCPT to join.
            self.assertEqual(c.command("RCPT TO:<a@dest.example>").code, 503)
            self.assertEqual(c.command("MAIL FROM:<app@example.com> SIZE=10000").code, 250)

    def test_message_over_max_message_bytes(self):
        line = "z" * 98 + "\r\n"  # 100 octets a line
        r = self.send("big@dest.example", line * 101)
        self.assertEqual((r.code, r.text), (552, "5.3.4 Message is too long."))
        r = self.send("small@dest.example", line * 90)
        self.assertEqual(r.code, 250, r)
        self.assert_only_delivered([["<small@dest.example>"]])

    def test_too_many_errors_end_the_session(self):
        with RawClient(self.ports["local"]) as c:
            self.assertEqual(ehlo(c).code, 250)
            self.assertEqual(c.command("BOGUS").code, 500)
            self.assertEqual(c.command("RCPT TO:<a@dest.example>").code, 503)
            c.send("ALSO BOGUS\r\n")
            replies = c.replies_until_closed()
            self.assertEqual([(r.code, r.text) for r in replies],
                             [(500, "5.5.2 Error: command not recognized"),
                              (421, "4.7.0 mfrelay.test Error: too many errors")])


class Timeouts(RelayTest):
    extra_config = '\n[limits]\nidle_timeout = "1s"\ndata_timeout = "2s"\n'

    def assert_cut_for_timeout(self, client, least, most):
        start = time.monotonic()
        replies = client.replies_until_closed(timeout=most + 5)
        waited = time.monotonic() - start
        self.assertEqual([str(r) for r in replies], ["421 4.4.2 mfrelay.test Error: timeout exceeded"])
        self.assertGreaterEqual(waited, least)
        self.assertLess(waited, most)

    def test_idle_client_is_cut_with_421(self):
        with RawClient(self.ports["local"]) as c:
            self.assertEqual(ehlo(c).code, 250)
            self.assert_cut_for_timeout(c, 0.9, 5)

    def test_idle_tls_client_is_cut_with_421(self):
        with RawClient(self.ports["submissions"], implicit_tls=True) as c:
            self.assertEqual(ehlo(c).code, 250)
            self.assert_cut_for_timeout(c, 0.9, 5)

    def test_a_client_that_keeps_talking_is_not_cut(self):
        # The control: the idle timeout is about silence, not the session's age.
        with RawClient(self.ports["local"]) as c:
            self.assertEqual(ehlo(c).code, 250)
            for _ in range(6):
                time.sleep(0.4)
                self.assertEqual(c.command("NOOP").code, 250)

    def test_data_timeout_bounds_the_whole_transfer(self):
        # README: data_timeout is "one whole DATA transfer". A client trickling one
        # line every 0.4 s (never idle for 1 s) must still be cut 2 s into DATA.
        with RawClient(self.ports["local"]) as c:
            open_transaction(c)
            start = time.monotonic()
            c.send(HEADERS)
            while time.monotonic() - start < 4:
                time.sleep(0.4)
                try:
                    c.send("trickle\r\n")
                except OSError:
                    break
                if not c.quiet_for(0.01):
                    break
            self.assert_cut_for_timeout(c, 0, 5)
            self.assertGreaterEqual(time.monotonic() - start, 1.8)
            self.assertLess(time.monotonic() - start, 4)
        self.assertEqual(self.events("Send"), [])


class MaxSessions(RelayTest):
    extra_config = "\n[limits]\nmax_sessions = 3\n"

    def greeted_client(self):
        """A session that got its 220. Retried for a moment: the probes that found the
        relay listening (wait_for_port) may still hold their slots for a few milliseconds."""
        def attempt():
            c = RawClient(self.ports["local"])
            try:
                if c.reply().code == 220:
                    return c
            except ConnectionClosed:
                pass
            c.close()
            return None
        return wait_until(attempt, timeout=10, interval=0.05, what="a free session slot")

    def test_connections_beyond_max_sessions_get_421(self):
        clients = []
        try:
            for _ in range(3):
                clients.append(self.greeted_client())
            # Every listener shares the one limit. The reply comes before EHLO, so (as every
            # reply before EHLO, RFC 2034) it carries no enhanced status code.
            for listener in ("local", "submission", "local"):
                with RawClient(self.ports[listener]) as extra:
                    replies = extra.replies_until_closed()
                    self.assertEqual([str(r) for r in replies], ["421 Too many concurrent SMTP connections"])
            # The sessions that were let in work as ever.
            for c in clients:
                self.assertEqual(c.command("EHLO client.example").code, 250)
            # A slot comes free when a session ends.
            self.assertEqual(clients[0].command("QUIT").code, 221)
            clients[0].close()
            clients[0] = self.greeted_client()
        finally:
            for c in clients:
                c.close()


SESSIONS = 1000


class ThousandIdleSessions(RelayTest):
    # mfrelay inherits this process's descriptor limit: 1,000 sessions, the one
    # client that sends mail, listeners, the spool, the events file, SQLite and
    # delivery connections fit well under 2,048. max_sessions stays below the
    # descriptor limit so the session cap, not EMFILE, is what bites.
    extra_config = "\n[limits]\nmax_sessions = 1100\n"
    # Per idle session mfrelay holds its strand, the coroutine frame, the session
    # machine and the read buffer (64 KiB, see smtp_connection.cpp read_chunk),
    # about 70 KiB in all. 1,000 of them should stay under 150 MiB above the
    # resident size the relay had before they came; more would mean a leak or a
    # buffer per session that grew.
    max_growth_kib = 150 * 1024

    def setUp(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = 4096
        if soft < wanted:
            if hard != resource.RLIM_INFINITY and hard < 2048:
                self.skipTest(f"RLIMIT_NOFILE hard limit {hard} is below 2048")
            new_soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (new_soft, hard))
            self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        super().setUp()

    def test_thousand_idle_sessions(self):
        before = rss_kib(self.relay.pid)
        clients = []
        try:
            start = time.monotonic()
            for _ in range(SESSIONS):
                c = RawClient(self.ports["local"], timeout=30)
                clients.append(c)
            for c in clients:
                self.assertEqual(c.reply().code, 220)
            opened = time.monotonic() - start
            during = rss_kib(self.relay.pid)

            # Mail still flows while they all wait.
            with RawClient(self.ports["local"], timeout=30) as c:
                open_transaction(c, ["busy@dest.example"])
                r = c.command(HEADERS + "while 1,000 sessions idle\r\n.\r\n")
                self.assertEqual(r.code, 250, r)
                c.command("QUIT")
            messages = self.sink_messages(1)
            self.assertEqual(messages[0]["rcpt"], ["<busy@dest.example>"])

            # Every idle session is still there and still answers.
            for c in clients[:: SESSIONS // 20]:
                self.assertEqual(c.command("NOOP").code, 250)
        finally:
            for c in clients:
                c.close()
        self.assertIsNone(self.relay.poll(), "mfrelay died")
        wait_until(lambda: self.session_answers(), timeout=10, what="mfrelay answering after the sessions closed")
        after = rss_kib(self.relay.pid)
        print(f"\n{SESSIONS} idle sessions: opened in {opened:.2f}s; mfrelay VmRSS {before} KiB before, "
              f"{during} KiB with them open (+{(during - before) / SESSIONS:.1f} KiB each), {after} KiB after")
        self.assertLess(during - before, self.max_growth_kib)
        self.assertIsNone(self.relay.poll(), "mfrelay died")

    def session_answers(self):
        with RawClient(self.ports["local"]) as c:
            return ehlo(c).code == 250


if __name__ == "__main__":
    unittest.main()
