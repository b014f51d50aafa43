"""GET /metrics end to end: the text parses with the Prometheus client's own
parser (Debian's python3-prometheus-client), every family has the right type,
the counters move with real SMTP traffic and real DNS checks, and no secret
ever appears in it."""
import base64
import re
import unittest

from prometheus_client.parser import text_string_to_metric_families

from admin_client import request
from harness import ADMIN_SECRET, identity, wait_until
from relay_fixture import FEEDBACK, PASSWORD_HASH, RelayTest, accepted_id

SPF = '"v=spf1 include:amazonses.com ~all"'
WRONG_PASSWORD = "Wr0ng-e2e-Passw0rd-7f3a"

# Family name as the parser reports it (a counter loses its _total) -> type.
EXPECTED_TYPES = {
    "mfrelay_smtp_transactions": "counter",
    "mfrelay_policy_decisions": "counter",
    "mfrelay_auth_failures": "counter",
    "mfrelay_dns_checks": "counter",
    "mfrelay_dns_check_duration_seconds": "histogram",
    "mfrelay_smtp_sessions_open": "gauge",
    "mfrelay_smtp_sessions": "counter",
    "mfrelay_spool_messages": "gauge",
    "mfrelay_spool_oldest_age_seconds": "gauge",
    "mfrelay_spool_flushes": "counter",
    "mfrelay_spool_quarantined": "counter",
    "mfrelay_deliveries": "counter",
    "mfrelay_delivery_connections": "gauge",
    "mfrelay_identities": "gauge",
}
SAMPLE_LINE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? '
                         r'(-?[0-9.e+-]+|[+-]Inf|NaN)$')


class Scrape:
    def __init__(self, text):
        self.text = text
        self.families = list(text_string_to_metric_families(text))

    def value(self, sample_name, **labels):
        """The sum of the samples named `sample_name` whose labels include `labels`."""
        return sum(s.value for f in self.families for s in f.samples
                   if s.name == sample_name and all(s.labels.get(k) == v for k, v in labels.items()))

    def has(self, sample_name, **labels):
        return any(s.name == sample_name and all(s.labels.get(k) == v for k, v in labels.items())
                   for f in self.families for s in f.samples)


class Metrics(RelayTest):
    zone_records = [f"mail IN MX 10 {FEEDBACK}", f"mail IN TXT {SPF}", f"bounce IN TXT {SPF}"]
    identities = (identity("example.com", "mail.example.com")
                  + identity("billing@example.com", "bounce.example.com", "RejectMessage"))

    def scrape(self):
        r = request(self.admin_port, "GET", "/metrics")
        self.assertEqual(r.status, 200, r.text())
        return Scrape(r.text())

    def test_every_family_parses_with_its_type(self):
        self.wait_status("example.com", "Success")
        scrape = self.scrape()
        types = {}
        for family in scrape.families:
            self.assertNotIn(family.type, ("untyped", "unknown"), f"{family.name}: a sample outside its family")
            types.setdefault(family.name, set()).add(family.type)
        for name, expected in EXPECTED_TYPES.items():
            with self.subTest(family=name):
                self.assertEqual(types.get(name), expected if isinstance(expected, set) else {expected})
        self.assertTrue(all(name.startswith("mfrelay_") for name in types), types)

        # Stricter than the parser: HELP then TYPE once per family, every sample line well formed.
        declared = []
        lines = scrape.text.split("\n")
        self.assertEqual(lines[-1], "", "the text ends with a newline")
        for i, line in enumerate(lines[:-1]):
            if line.startswith("# TYPE "):
                name = line.split()[2]
                self.assertTrue(lines[i - 1].startswith(f"# HELP {name} "), line)
                declared.append(name)
            elif not line.startswith("# HELP "):
                self.assertRegex(line, SAMPLE_LINE)
        self.assertEqual(len(declared), len(set(declared)), "a family is declared twice")

        # A histogram's buckets are cumulative and end at +Inf = _count.
        buckets = [s for f in scrape.families for s in f.samples
                   if s.name == "mfrelay_dns_check_duration_seconds_bucket"]
        counts = [s.value for s in buckets]
        self.assertEqual(counts, sorted(counts))
        self.assertEqual(buckets[-1].labels["le"], "+Inf")
        # Bounds spelled as Prometheus clients spell them, so a query's le="10" matches (not "1e+01").
        for s in buckets:
            self.assertRegex(s.labels["le"], r"^(\d+(\.\d+)?|\+Inf)$")
        self.assertIn("10", [s.labels["le"] for s in buckets])
        self.assertEqual(counts[-1], scrape.value("mfrelay_dns_check_duration_seconds_count"))
        self.assertEqual(scrape.value("mfrelay_identities", state="Success"), 1)
        self.assertEqual(scrape.value("mfrelay_identities", state="Pending"), 1)

    def test_counters_move_with_traffic(self):
        self.wait_status("example.com", "Success")
        before = self.scrape()

        # Accepted: AUTH under STARTTLS, custom MAIL FROM.
        r = self.swaks("--from", "news@example.com", "--to", "reader@dest.example", "--h-From", "news@example.com")
        self.assertIsNotNone(accepted_id(r.stdout), r.stdout)
        # Rejected at MAIL: RejectMessage while bounce.example.com is Pending.
        r = self.swaks("--from", "billing@example.com", "--to", "x@dest.example", "--h-From", "billing@example.com",
                       listener="local")
        self.assertIn("554 5.7.1 Message rejected: MailFromDomainNotVerified", r.stdout)
        # Rejected at the end of DATA, by the final decision on the From header.
        r = self.swaks("--from", "news@example.com", "--to", "x@dest.example", "--h-From", "billing@example.com",
                       listener="local")
        self.assertIn("554 5.7.1 Message rejected: MailFromDomainNotVerified", r.stdout)
        # A failed AUTH.
        r = self.swaks("--from", "news@example.com", "--to", "x@dest.example", password=WRONG_PASSWORD)
        self.assertIn("535 5.7.8 Authentication Credentials Invalid", r.stdout)
        self.sink_messages(1)

        def settled():
            s = self.scrape()
            delivered = s.value("mfrelay_deliveries_total", result="delivered") > \
                before.value("mfrelay_deliveries_total", result="delivered")
            # The delivery is counted just before the spool lets the message go.
            return s if delivered and s.value("mfrelay_smtp_sessions_open") == 0 \
                and s.value("mfrelay_spool_messages") == 0 else None

        after = wait_until(settled, what="the delivery counted, the spool empty and every session closed")

        def delta(name, **labels):
            return after.value(name, **labels) - before.value(name, **labels)

        self.assertEqual(delta("mfrelay_smtp_sessions_total"), 4)
        self.assertEqual(after.value("mfrelay_smtp_sessions_open"), 0)
        self.assertEqual(delta("mfrelay_smtp_transactions_total", outcome="accepted"), 1)
        self.assertEqual(delta("mfrelay_smtp_transactions_total", outcome="rejected",
                               reason="MailFromDomainNotVerified"), 2)
        self.assertEqual(delta("mfrelay_smtp_transactions_total", outcome="rejected"), 2)
        self.assertEqual(delta("mfrelay_smtp_transactions_total", outcome="failed"), 0)
        # Every transaction is decided at MAIL (early) and, when it gets that far, at the end of DATA.
        self.assertEqual(delta("mfrelay_policy_decisions_total", decision="custom", stage="data"), 1)
        # At MAIL: the accepted message and the one refused later, both from news@example.com.
        self.assertEqual(delta("mfrelay_policy_decisions_total", decision="custom", stage="mail"), 2)
        # One reject decision per refused transaction, whichever stage refused it.
        self.assertEqual(delta("mfrelay_policy_decisions_total", decision="reject"), 2)
        self.assertEqual(delta("mfrelay_auth_failures_total"), 1)
        self.assertEqual(delta("mfrelay_deliveries_total", result="delivered"), 1)
        self.assertEqual(delta("mfrelay_deliveries_total", result="bounced"), 0)
        self.assertEqual(after.value("mfrelay_spool_messages"), 0)
        # Checks go on every 300 ms: counted, timed, by outcome.
        self.assertGreater(delta("mfrelay_dns_checks_total"), 0)
        self.assertGreater(delta("mfrelay_dns_check_duration_seconds_count"), 0)
        self.assertGreater(after.value("mfrelay_dns_checks_total", outcome="ok", result="pass"), 0)
        self.assertGreater(after.value("mfrelay_dns_checks_total", result="fail"), 0)
        self.assertEqual(after.value("mfrelay_identities", state="Success"), 1)
        self.assertEqual(after.value("mfrelay_identities", state="Pending"), 1)

        # No secret, ever: not the admin secret, the passwords, the hash, nor an AUTH payload.
        for secret in [ADMIN_SECRET, WRONG_PASSWORD, "password", PASSWORD_HASH, PASSWORD_HASH.split("$")[-1],
                       base64.b64encode(b"\0app1\0password").decode(),
                       base64.b64encode(f"\0app1\0{WRONG_PASSWORD}".encode()).decode()]:
            self.assertNotIn(secret, after.text)

    def test_identity_states_follow_dns(self):
        self.wait_status("example.com", "Success")
        self.knot.edit("example.com", set_records=[("bounce", 60, "MX", "10 " + FEEDBACK)])
        self.wait_status("billing@example.com", "Success")
        self.assertEqual(self.scrape().value("mfrelay_identities", state="Success"), 2)
        self.knot.edit("example.com", unset_records=[("mail", "MX")])
        self.wait_status("example.com", "TemporaryFailure")
        scrape = self.scrape()
        self.assertEqual(scrape.value("mfrelay_identities", state="Success"), 1)
        self.assertEqual(scrape.value("mfrelay_identities", state="TemporaryFailure"), 1)
        self.assertEqual(scrape.value("mfrelay_identities", state="Pending"), 0)
        self.assertGreater(scrape.value("mfrelay_dns_checks_total", outcome="nodata"), 0)


if __name__ == "__main__":
    unittest.main()
