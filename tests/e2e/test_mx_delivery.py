"""Direct delivery ([delivery] mode = "mx"): knotd serves the MX records of
several recipient domains whose MX hosts are other loopback addresses
(127.0.0.2, 127.0.0.3, ...) running aiosmtpd or smtp-sink on one port, given to
mfrelay as [delivery] mx_port. Proves: each domain's mail reaches its most
preferred host; a backup MX takes over when the primary refuses connections; a
null MX (RFC 7505) bounces with 5.1.10 and a DSN reaches the original sender; a
host answering 4xx defers, then delivers once it accepts; a destination that
hangs (accepts, never greets) does not slow the others; a [[route]] sends one
domain through a smarthost while the rest go by MX; STARTTLS is used when
offered whatever the certificate, and a route's require_tls defers instead of
sending in clear. MxLimitsTest: two domains on one provider's MX host share its
connections_per_host, each session carries at most messages_per_connection
messages, /metrics counts connections per MX host; a recipient domain that is a
CNAME loop bounces 5.4.4 and one that does not exist 5.1.2, each with a DSN to
the application."""
import socket
import time
import unittest
import urllib.request

from harness import MFRELAY, TempDirTest, free_port, identity, relay_config, wait_for_port, wait_until
from knot import Knot
from peer import Peer
from pki import issue, make_ca
from relay_fixture import smtplib_send
from sink import Sink
from test_bounce_messages import check_dsn

HOSTS = {  # loopback address of each MX host
    "alpha-1": "127.0.0.2", "alpha-2": "127.0.0.3",  # alpha.test: MX 10, MX 20
    "beta-1": "127.0.0.4", "beta-2": "127.0.0.5",    # beta.test: MX 10 refuses connections, MX 20 smtp-sink
    "gamma-1": "127.0.0.6", "gamma-2": "127.0.0.7",  # gamma.test: MX 5, MX 30 (written in the other order)
    "sender": "127.0.0.8",                          # example.com: where DSNs to the application go
    "slow": "127.0.0.9",                            # slow.test: 451 to every recipient at first
    "hang": "127.0.0.10",                           # hang.test: accepts, never greets
    "tls": "127.0.0.11",                            # tls.test: STARTTLS with a certificate nobody trusts
    "strict": "127.0.0.12",                         # strict.test: no STARTTLS, and a route requiring TLS
    "shared": "127.0.0.13",                         # MxLimitsTest: one.test's and two.test's MX host
}


def message(to, subject):
    return f"From: app@example.com\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nhello {subject}\r\n"


def port_free_everywhere(port):
    for address in HOSTS.values():
        with socket.socket() as s:
            try:
                s.bind((address, port))
            except OSError:
                return False
    return True


class MxRelayTest(TempDirTest):
    """mfrelay delivering directly, its MX hosts on HOSTS' addresses at one port (`self.mx_port`), free on
    all of them; a subclass starts its knotd and peers, then start_relay() with its own [delivery] keys."""

    def setUp(self):
        super().setUp()
        self.mx_port = next(p for p in (free_port() for _ in range(50)) if port_free_everywhere(p))

    def start_relay(self, delivery):
        """`delivery`: more [delivery] keys, then any other tables."""
        self.local = free_port()
        delivery = (f'[delivery]\nmode = "mx"\nmx_port = {self.mx_port}\nretry_schedule = ["1s"]\n'
                    f'max_age = "1h"\n' + delivery)
        self.config = relay_config(self, dns_server=self.knot.server(), identities=identity("example.com"),
                                   extra=delivery, listeners=[
                                       {"name": "local", "address": f"127.0.0.1:{self.local}", "tls": "none",
                                        "auth": "network"}])
        self.relay = self.start([MFRELAY, "serve", "-c", self.config])
        wait_for_port(self.local, proc=self.relay)

    def send(self, recipients, subject):
        smtplib_send(self.local, "app@example.com", recipients, message(", ".join(recipients), subject))


class MxDeliveryTest(MxRelayTest):
    def setUp(self):
        super().setUp()
        h = HOSTS
        self.knot = Knot(self, {
            "alpha.test": ["@ MX 20 mx2", "@ MX 10 mx1", f"mx1 A {h['alpha-1']}", f"mx2 A {h['alpha-2']}"],
            "beta.test": ["@ MX 10 mx1", "@ MX 20 mx2", f"mx1 A {h['beta-1']}", f"mx2 A {h['beta-2']}"],
            "gamma.test": ["@ MX 30 low", "@ MX 5 high", f"high A {h['gamma-1']}", f"low A {h['gamma-2']}"],
            "nullmx.test": ["@ MX 0 ."],
            "slow.test": ["@ MX 10 mx", f"mx A {h['slow']}"],
            "hang.test": ["@ MX 10 mx", f"mx A {h['hang']}"],
            # Has MX records, but a [[route]] sends it to the partner smarthost.
            "routed.test": ["@ MX 10 mx", f"mx A {h['alpha-1']}"],
            "example.com": ["@ MX 10 mx", f"mx A {h['sender']}"],
            "tls.test": ["@ MX 10 mx", f"mx A {h['tls']}"],
            "strict.test": ["@ MX 10 mx", f"mx A {h['strict']}"],
        })
        port = self.mx_port
        self.alpha1 = Peer(self, host=h["alpha-1"], port=port)
        self.alpha2 = Peer(self, host=h["alpha-2"], port=port)
        self.beta2 = Sink(self, host=h["beta-2"], port=port)
        self.gamma1 = Peer(self, host=h["gamma-1"], port=port)
        self.gamma2 = Peer(self, host=h["gamma-2"], port=port)
        self.sender = Peer(self, host=h["sender"], port=port)
        self.slow = Peer(self, host=h["slow"], port=port, replies=["*=451 4.3.0 try again later"])
        cert, key = issue(self, make_ca(self), "unrelated.example")  # neither trusted nor naming the MX host
        self.tls = Peer(self, host=h["tls"], port=port, tls="starttls", cert=cert, key=key)
        self.strict = Peer(self, host=h["strict"], port=port)
        self.partner = Sink(self)  # the [[route]]'s smarthost, on 127.0.0.1
        self.start_relay('connections_per_destination = 2\n\n'
                         f'[[smarthost]]\nname = "partner"\naddress = "{self.partner.address()}"\ntls = "none"\n\n'
                         f'[[route]]\ndomain = "routed.test"\nvia = "partner"\n\n'
                         f'[[route]]\ndomain = "strict.test"\nvia = "mx"\nrequire_tls = true\n')

    def subjects(self, peer):
        out = []
        for m in peer.messages():
            data = m["data"] if "data" in m else m["text"]
            out += [line.split(": ", 1)[1].strip() for line in data.splitlines() if line.startswith("Subject: ")]
        return sorted(out)

    def test_each_domain_reaches_its_preferred_host_and_backup_takes_over(self):
        # One message for three domains: split by destination, each to its own MX hosts.
        self.send(["a@alpha.test", "b@beta.test", "c@gamma.test"], "three")
        wait_until(lambda: len(self.alpha1.messages()) == 1 and len(self.beta2.messages()) == 1
                   and len(self.gamma1.messages()) == 1, timeout=30, what="the three domains' mail")
        self.assertEqual(self.alpha1.messages()[0]["rcpt_tos"], ["a@alpha.test"])  # MX 10, not MX 20
        self.assertEqual(self.alpha2.messages(), [])
        self.assertEqual(self.beta2.messages()[0]["rcpt"], ["<b@beta.test>"])  # MX 10 refused: MX 20
        self.assertEqual(self.gamma1.messages()[0]["rcpt_tos"], ["c@gamma.test"])  # MX 5 beats MX 30
        self.assertEqual(self.gamma2.messages(), [])
        delivered = wait_until(lambda: self.events("Delivery") if len(self.events("Delivery")) == 3 else None,
                               what="three Delivery events")
        ips = sorted(e["delivery"].get("remoteMtaIp", "") for e in delivered)
        self.assertEqual(ips, sorted([HOSTS["alpha-1"], HOSTS["beta-2"], HOSTS["gamma-1"]]))

    def test_null_mx_bounces_with_5_1_10_and_the_sender_gets_a_dsn(self):
        self.send(["nobody@nullmx.test"], "nullmx")
        dsns = wait_until(lambda: [m for m in self.sender.messages() if m["mail_from"] in ("", "<>")] or None,
                          timeout=30, what="the DSN at example.com's MX host")
        self.assertEqual(len(dsns), 1)
        self.assertEqual(dsns[0]["rcpt_tos"], ["app@example.com"])
        check_dsn(self, dsns[0]["data"], {"nobody@nullmx.test": ("5.1.10", "Recipient address has null MX")})
        bounce = self.events("Bounce")[0]["bounce"]
        self.assertEqual(bounce["bouncedRecipients"][0]["status"], "5.1.10")

    def test_4xx_defers_then_delivers(self):
        self.send(["later@slow.test"], "slow")
        wait_until(lambda: self.events("DeliveryDelay"), timeout=30, what="a DeliveryDelay event")
        self.assertIn("451", self.events("DeliveryDelay")[0]["deliveryDelay"]["delayedRecipients"][0]
                      .get("diagnosticCode", ""))
        self.assertEqual(self.slow.messages(), [])
        # The host recovers: the next retry (retry_schedule = 1s) delivers.
        self.slow.proc.terminate()
        self.slow.proc.wait(timeout=10)
        self.slow = Peer(self, host=HOSTS["slow"], port=self.mx_port)
        wait_until(lambda: self.slow.messages(), timeout=30, what="the deferred message at slow.test")
        self.assertEqual(self.slow.messages()[0]["rcpt_tos"], ["later@slow.test"])
        self.assertEqual(len(self.events("Bounce")), 0)

    def test_a_hanging_destination_does_not_slow_the_others(self):
        hang = socket.socket()
        hang.bind((HOSTS["hang"], self.mx_port))
        hang.listen(64)  # the kernel completes every connection; nobody ever greets
        self.addCleanup(hang.close)
        # More messages for the hanging domain than it may have connections: its own queue fills.
        for i in range(6):
            self.send([f"user{i}@hang.test"], f"hang {i}")
        wait_until(lambda: self.connections_waiting(hang) >= 2, timeout=10, what="mfrelay stuck at hang.test")
        started = time.monotonic()
        self.send(["a@alpha.test"], "alpha during the hang")
        self.send(["g@gamma.test"], "gamma during the hang")
        wait_until(lambda: self.alpha1.messages() and self.gamma1.messages(), timeout=30,
                   what="the other domains' mail")
        took = time.monotonic() - started
        self.assertLess(took, 5, f"mail for other domains took {took:.1f}s while hang.test hung")
        self.assertEqual(len(self.events("Delivery")), 2)  # nothing was delivered to hang.test
        # /metrics shows the stuck destination on its own: its messages and its connections.
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=10) as r:
            metrics = r.read().decode()
        self.assertIn('mfrelay_destination_queued_messages{destination="hang.test"} 6', metrics)
        self.assertIn('mfrelay_destination_connections{destination="hang.test"} 2', metrics)

    def connections_waiting(self, listener):
        """Connections the kernel accepted on `listener` that nobody took yet (ss's Recv-Q of a listener)."""
        import subprocess
        out = subprocess.run(["ss", "-Hltn", f"src {HOSTS['hang']}:{self.mx_port}"], capture_output=True,
                             text=True).stdout.split()
        return int(out[1]) if len(out) > 1 else 0

    def test_a_route_sends_one_domain_through_a_smarthost(self):
        self.send(["r@routed.test", "a@alpha.test"], "routed")
        wait_until(lambda: self.partner.messages() and self.alpha1.messages(), timeout=30,
                   what="the routed and the direct copy")
        self.assertEqual(self.partner.messages()[0]["rcpt"], ["<r@routed.test>"])
        # routed.test's own MX host (alpha-1's address) got only alpha.test's recipient.
        self.assertEqual([m["rcpt_tos"] for m in self.alpha1.messages()], [["a@alpha.test"]])

    def test_opportunistic_starttls_and_require_tls_per_route(self):
        # STARTTLS when offered, whatever the certificate (MX hosts seldom have one for their name).
        self.send(["t@tls.test"], "tls")
        wait_until(lambda: self.tls.messages(), timeout=30, what="the message at tls.test")
        self.assertTrue(self.tls.messages()[0]["tls"])
        # strict.test's route requires TLS; its MX host offers none: deferred, never sent in clear.
        self.send(["s@strict.test"], "strict")
        delay = wait_until(lambda: self.events("DeliveryDelay"), timeout=30, what="a DeliveryDelay event")[0]
        self.assertEqual(delay["deliveryDelay"]["delayedRecipients"][0]["emailAddress"], "s@strict.test")
        self.assertIn("TLS", delay["deliveryDelay"]["delayedRecipients"][0]["diagnosticCode"])
        self.assertEqual(self.strict.messages(), [])


class MxLimitsTest(MxRelayTest):
    """One relay: one.test and two.test share one MX host (aiosmtpd, slow to answer the data so that
    sessions overlap); loop.test holds a CNAME loop; example.com's MX takes the DSNs."""
    per_destination, per_host, per_connection = 3, 2, 3

    def setUp(self):
        super().setUp()
        self.knot = Knot(self, {
            "one.test": ["@ MX 10 mx.provider.test."],
            "two.test": ["@ MX 10 mx.provider.test."],  # another name for the same host would count the same
            "provider.test": [f"mx A {HOSTS['shared']}"],
            "loop.test": ["a CNAME b", "b CNAME a"],  # and missing.loop.test does not exist (NXDOMAIN)
            "example.com": ["@ MX 10 mx", f"mx A {HOSTS['sender']}"],
        })
        self.shared = Peer(self, host=HOSTS["shared"], port=self.mx_port, delay=0.4)
        self.sender = Peer(self, host=HOSTS["sender"], port=self.mx_port)
        self.start_relay(f'connections_per_destination = {self.per_destination}\n'
                         f'connections_per_host = {self.per_host}\n'
                         f'messages_per_connection = {self.per_connection}\n')

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=10) as r:
            return r.read().decode()

    def test_domains_on_one_mx_host_share_its_connection_limit_and_sessions_are_recycled(self):
        # 2 x 6 messages: each domain alone may open 3 sessions, together 6; the host allows 2.
        for i in range(6):
            self.send([f"u{i}@one.test"], f"one {i}")
            self.send([f"u{i}@two.test"], f"two {i}")
        gauge = f'mfrelay_mx_host_connections{{address="{HOSTS["shared"]}"}} {self.per_host}'
        wait_until(lambda: gauge in self.metrics(), timeout=20, what="/metrics counting the shared host's connections")
        messages = wait_until(lambda: self.shared.messages() if len(self.shared.messages()) == 12 else None,
                              timeout=30, what="the 12 messages at the shared MX host")
        self.assertEqual(sorted(m["rcpt_tos"][0].split("@")[1] for m in messages), ["one.test"] * 6 + ["two.test"] * 6)
        # Never more than connections_per_host at once, across both domains; and the limit was reached.
        self.assertEqual(self.shared.connections()["max"], self.per_host)
        # messages_per_connection: at most 3 transactions per session, and sessions were reused up to that.
        per_connection = {}
        for m in messages:
            per_connection[m["connection"]] = max(per_connection.get(m["connection"], 0), m["transaction"])
        self.assertLessEqual(max(per_connection.values()), self.per_connection)
        self.assertEqual(max(per_connection.values()), self.per_connection)
        self.assertGreaterEqual(len(per_connection), 12 // self.per_connection)
        self.assertEqual(self.events("Bounce"), [])

    def test_a_cname_loop_and_a_missing_domain_bounce_with_a_dsn(self):
        self.send(["x@a.loop.test"], "loop")
        self.send(["y@missing.loop.test"], "missing")
        dsns = wait_until(lambda: (lambda d: d if len(d) == 2 else None)(
            [m for m in self.sender.messages() if m["mail_from"] in ("", "<>")]), timeout=30,
            what="two DSNs at example.com's MX host")
        for dsn in dsns:
            self.assertEqual(dsn["rcpt_tos"], ["app@example.com"])
        by_recipient = {}
        for dsn in dsns:
            by_recipient["x@a.loop.test" if "x@a.loop.test" in dsn["data"] else "y@missing.loop.test"] = dsn["data"]
        check_dsn(self, by_recipient["x@a.loop.test"], {"x@a.loop.test": ("5.4.4", "CNAME loop")})
        check_dsn(self, by_recipient["y@missing.loop.test"], {"y@missing.loop.test": ("5.1.2", "does not exist")})
        statuses = {b["bounce"]["bouncedRecipients"][0]["emailAddress"]: b["bounce"]["bouncedRecipients"][0]["status"]
                    for b in self.events("Bounce")}
        self.assertEqual(statuses, {"x@a.loop.test": "5.4.4", "y@missing.loop.test": "5.1.2"})
        for b in self.events("Bounce"):
            self.assertEqual(b["bounce"]["bounceType"], "Permanent")
            self.assertIsNotNone(b["bounce"]["dsnMessageId"])
        self.assertEqual(self.events("DeliveryDelay"), [])  # decided at once, not deferred


if __name__ == "__main__":
    unittest.main()
