"""[store] kind = "postgresql" end to end, against a private PostgreSQL 15
(postgres_instance.py): the schema is migrated once when two nodes start at
once and never again; two relays (own spools, own ports, one database) share
the suppression list and add up their quota counts; with PostgreSQL stopped
while mail is submitted, every 250'd message still reaches the sink, the
relay says "store: down", and what it wrote meanwhile lands once PostgreSQL is
back."""
import smtplib
import sys
import time
import unittest
import urllib.request

from harness import (MFRELAY, ProcessFolder, TempDirTest, free_port, identity, relay_config, run_mfrelay,
                     wait_for_port, wait_until)
from peer import Peer
from postgres_instance import PostgresInstance
from test_suppression import client


def message(to):
    return f"From: app@example.com\r\nTo: {to}\r\nSubject: hi\r\n\r\nhello\r\n"


def suppressed_at(node, address):
    """Whether the node's own admin API (its in-memory list) has the address."""
    api = client(node, "sesv2")
    try:
        api.get_suppressed_destination(EmailAddress=address)
        return True
    except api.exceptions.NotFoundException:
        return False


class Node(ProcessFolder):
    """One relay in a folder of its own under the test's: its spool, ports and sink."""

    def __init__(self, test, name, url, quota="", feedback=False):
        self.dir = test.path(name)
        self.processes = test.processes
        self.peer = Peer(test)
        self.local = free_port()
        self.feedback = free_port()
        extra = (f'[delivery]\nsmarthost = "127.0.0.1:{self.peer.port}"\n\n[store]\nkind = "postgresql"\n'
                 f'url = "{url}"\n\n{quota}\n')
        listeners = [{"name": "local", "address": f"127.0.0.1:{self.local}", "tls": "none", "auth": "network"}]
        if feedback:
            # Feedback for the default MAIL FROM domain, where unverified identities' mail goes out from.
            listeners.append({"name": "mx", "address": f"127.0.0.1:{self.feedback}", "tls": "none",
                              "role": "feedback"})
            extra += "\n[feedback]\naccept_default_domain = true\n"
        self.config = relay_config(self, identities=identity("example.com"), extra=extra, listeners=listeners)

    def serve(self):
        self.relay = self.start([MFRELAY, "serve", "-c", self.config])
        return self

    def wait(self):
        wait_for_port(self.local, proc=self.relay)
        wait_for_port(self.admin_port, proc=self.relay)
        return self

    def get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}{path}", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def send(self, to):
        with smtplib.SMTP("127.0.0.1", self.local, timeout=30) as c:
            c.sendmail("app@example.com", [to] if isinstance(to, str) else to, message(to))

    def log(self):
        with open(self.relay.log_path, errors="replace") as f:
            return f.read()

    def delivered_to(self):
        return [r for m in self.peer.messages() for r in m["rcpt_tos"]]


class PostgresStoreTest(TempDirTest):
    def setUp(self):
        # Stopped after the relays (cleanups run last registered first).
        self.pg = PostgresInstance()
        self.addCleanup(self.pg.stop)
        super().setUp()
        self.url = self.pg.start()

    def test_migrations_run_once_when_two_nodes_start_together(self):
        a = Node(self, "a", self.url)
        b = Node(self, "b", self.url)
        a.serve(), b.serve()
        a.wait(), b.wait()
        versions = self.pg.sql("SELECT version FROM schema_version ORDER BY version")
        self.assertEqual(versions, [["1"], ["2"], ["3"], ["4"], ["5"]])
        applied = [n.log().count("applied 5 schema migrations") for n in (a, b)]
        self.assertEqual(sorted(applied), [0, 1], "exactly one node migrates")
        # Started again: nothing left to do, nothing applied twice.
        self.stop_processes()
        a.serve().wait()
        self.assertEqual(self.pg.sql("SELECT count(*) FROM schema_version"), [["5"]])
        self.assertNotIn("schema migrations", a.log())

    def test_two_nodes_share_suppression_and_quota(self):
        quota = "[quota]\nmax_24_hour_send = 4\n"
        a = Node(self, "a", self.url, quota).serve().wait()
        b = Node(self, "b", self.url, quota).serve().wait()
        # Suppressed through A's API: B stops delivering to that address within about a second.
        client(a, "sesv2").put_suppressed_destination(EmailAddress="gone@example.net", Reason="BOUNCE")
        wait_until(lambda: self.pg.sql("SELECT count(*) FROM suppressed_destination") == [["1"]], timeout=10,
                   what="the entry in PostgreSQL")
        # B re-reads every second; its API answers from the copy it decides with.
        wait_until(lambda: suppressed_at(b, "gone@example.net"), timeout=10, what="B sees the entry")
        b.send(["gone@example.net", "ok@example.net"])
        wait_until(lambda: "ok@example.net" in b.delivered_to(), timeout=20, what="B delivers to ok@")
        self.assertNotIn("gone@example.net", b.delivered_to())
        self.assertEqual(client(b, "sesv2").get_suppressed_destination(
            EmailAddress="gone@example.net")["SuppressedDestination"]["Reason"], "BOUNCE")
        # Quota: 2 recipients counted at B above, 1 more at A, then both see 3 of 4 sent...
        a.send("ok@example.net")
        wait_until(lambda: all(client(n, "ses").get_send_quota()["SentLast24Hours"] == 3.0 for n in (a, b)),
                   timeout=10, what="SentLast24Hours 3 at both nodes")
        b.send("ok@example.net")
        # Saved by B, then re-read by A (each every second).
        wait_until(lambda: client(a, "ses").get_send_quota()["SentLast24Hours"] == 4.0, timeout=10,
                   what="SentLast24Hours 4 at A")
        # ...and the daily quota holds for both together: the fifth recipient is refused at A.
        with self.assertRaises(smtplib.SMTPDataError) as refused:
            a.send("ok@example.net")
        self.assertEqual(refused.exception.smtp_code, 454)

    def test_a_bounce_at_one_node_finds_the_message_another_sent(self):
        a = Node(self, "a", self.url, feedback=True).serve().wait()
        b = Node(self, "b", self.url, feedback=True).serve().wait()
        wait_for_port(b.feedback, proc=b.relay)
        a.send("ok@example.net")
        wait_until(lambda: a.peer.messages(), timeout=20, what="A delivers")
        sender = a.peer.messages()[0]["mail_from"]  # <message id>@<default MAIL FROM domain>, issued by A
        wait_until(lambda: self.pg.sql("SELECT count(*) FROM sent_message") == [["1"]], timeout=10,
                   what="A's index row in PostgreSQL")
        local, domain = sender.split("@")
        unknown = local[:-8] + ("1" if local[-8] != "1" else "2") + local[-7:]
        with smtplib.SMTP("127.0.0.1", b.feedback, timeout=30) as c:
            c.ehlo()
            self.assertEqual(c.mail("")[0], 250)
            self.assertEqual(c.rcpt(sender)[0], 250, "B takes feedback for the message A sent")
            self.assertEqual(c.rcpt(f"{unknown}@{domain}")[0], 550)

    def test_postgres_stopped_while_mail_is_submitted(self):
        a = Node(self, "a", self.url).serve().wait()
        self.assertEqual(a.get("/readyz"), (200, "ready\nstore: up\n"))
        self.pg.pause()
        wait_until(lambda: a.get("/readyz")[1] == "ready\nstore: down\n", timeout=10, what="store: down")
        self.assertIn("mfrelay_store_up 0", a.get("/metrics")[1])
        recipients = [f"r{i}@example.net" for i in range(10)]
        for r in recipients:
            a.send(r)  # each one 250 (smtplib raises otherwise)
        client(a, "sesv2").put_suppressed_destination(EmailAddress="later@example.net", Reason="COMPLAINT")
        wait_until(lambda: sorted(a.delivered_to()) == sorted(recipients), timeout=30,
                   what="every accepted message delivered")
        time.sleep(2)  # several reconnect attempts fail meanwhile
        self.pg.resume()
        wait_until(lambda: a.get("/readyz")[1] == "ready\nstore: up\n", timeout=20, what="store: up")
        wait_until(lambda: self.pg.sql("SELECT reason FROM suppressed_destination WHERE address = "
                                       "'later@example.net'") == [["COMPLAINT"]], timeout=20,
                   what="the suppression entry written while down")
        wait_until(lambda: self.pg.sql("SELECT count(*) FROM sent_message") == [["10"]], timeout=20,
                   what="the sent-message index rows written while down")
        wait_until(lambda: self.pg.sql("SELECT coalesce(sum(sent), 0) FROM send_counter") == [["10"]], timeout=20,
                   what="the quota counts written while down")
        self.assertIn("mfrelay_store_up 1", a.get("/metrics")[1])


class StoreConfigTest(TempDirTest):
    """`mfrelay check` names the file and line of a wrong [store]; no database needed."""

    def check(self, store):
        config = relay_config(self, extra=store)
        with open(config) as f:
            line = f.read().splitlines().index("[store]") + 1
        r = run_mfrelay("check", "-c", config)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        return r.stderr, f"{config}:{line + 1}:"

    def test_bad_kind(self):
        err, where = self.check('[store]\nkind = "mysql"\n')
        self.assertIn(where, err)
        self.assertIn('must be one of "sqlite", "postgresql", not "mysql"', err)

    def test_postgresql_without_url(self):
        err, where = self.check('[store]\nkind = "postgresql"\n')
        self.assertIn(where, err)
        self.assertIn("has no url", err)

    def test_url_that_is_no_url(self):
        err, _ = self.check('[store]\nkind = "postgresql"\nurl = "mysql://db/x"\n')
        self.assertIn("must be a PostgreSQL URI", err)

    def test_a_database_never_reached_stops_the_start_with_the_reason_and_no_password(self):
        port = free_port()  # nothing listens there
        config = relay_config(self, extra=f'[store]\nkind = "postgresql"\nurl = "postgresql://mfrelay:s3cret@127.0.0.1:{port}/x"\n')
        r = run_mfrelay("serve", "-c", config, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"PostgreSQL store postgresql://mfrelay:***@127.0.0.1:{port}/x: not connected", r.stderr)
        self.assertIn("Connection refused", r.stderr)
        self.assertNotIn("s3cret", r.stderr + r.stdout)

    def test_url_without_postgresql(self):
        err, _ = self.check('[store]\nurl = "postgresql://db/x"\n')
        self.assertIn('kind is "sqlite"', err)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + ["-v"] + sys.argv[1:])
