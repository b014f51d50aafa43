"""The operator files in conf/ hold up against the real relay: the Prometheus
alert rules pass `promtool check rules` and their own `promtool test rules`
cases, every dashboard query is valid PromQL, and every metric the rules and
the Grafana dashboard use is one a running mfrelay actually exports."""
import json
import os
import re
import subprocess
import tempfile
import unittest

from admin_client import request
from harness import SOURCE_DIR, identity
from relay_fixture import FEEDBACK, RelayTest

PROMETHEUS = os.path.join(SOURCE_DIR, "conf", "prometheus")
RULES = os.path.join(PROMETHEUS, "mfrelay-alerts.yml")
DASHBOARD = os.path.join(SOURCE_DIR, "conf", "grafana", "mfrelay.json")
METRIC = re.compile(r"\bmfrelay_[a-z0-9_]+")
# A histogram's series carry a suffix its family name does not.
SERIES_SUFFIX = re.compile(r"_(bucket|count|sum)$")


def promtool(*args, cwd=PROMETHEUS):
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def dashboard():
    with open(DASHBOARD) as f:
        return json.load(f)


def dashboard_queries():
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def read_text(path):
    with open(path) as f:
        return f.read()


class AlertRules(unittest.TestCase):
    def test_rules_check_and_their_unit_tests_pass(self):
        r = promtool("check", "rules", RULES)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("SUCCESS: 6 rules found", r.stdout)
        r = promtool("test", "rules", "mfrelay-alerts.test.yml")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_the_issue_s_four_conditions_have_alerts(self):
        names = re.findall(r"- alert: (\w+)", read_text(RULES))
        for wanted in ("MfrelayIdentityLeftSuccess", "MfrelaySpoolGrowing", "MfrelayDeliveryFailing",
                       "MfrelayVerifierStalled"):
            self.assertIn(wanted, names)


class Dashboard(unittest.TestCase):
    def test_panels_are_laid_out_and_every_query_is_valid_promql(self):
        d = dashboard()
        ids = [p["id"] for p in d["panels"]]
        self.assertEqual(len(ids), len(set(ids)), "panel ids repeat")
        cells = set()
        for p in d["panels"]:
            g = p["gridPos"]
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    self.assertNotIn((x, y), cells, f"panel {p['title']!r} overlaps another")
                    cells.add((x, y))
        # Grafana's variables replaced as Grafana would, each query checked as a recording rule.
        rules = {"groups": [{"name": "dashboard", "rules": [
            {"record": f"dashboard:panel{i}", "expr": q.replace("$__rate_interval", "5m").replace("$instance", ".*")}
            for i, q in enumerate(dashboard_queries())]}]}
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
            json.dump(rules, f)  # JSON is YAML
        self.addCleanup(os.unlink, f.name)
        r = promtool("check", "rules", f.name)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class MetricsExist(RelayTest):
    """A relay with traffic, verification and delivery behind it exports every family the files name."""
    zone_records = [f"mail IN MX 10 {FEEDBACK}", 'mail IN TXT "v=spf1 include:amazonses.com ~all"']
    identities = identity("example.com", "mail.example.com")

    def test_every_metric_named_in_conf_is_exported(self):
        self.wait_status("example.com", "Success")
        r = self.swaks("--from", "news@example.com", "--to", "reader@dest.example", "--h-From", "news@example.com",
                       listener="local")
        self.assertIn("250", r.stdout)
        self.sink_messages(1)
        r = request(self.admin_port, "GET", "/metrics")
        self.assertEqual(r.status, 200)
        exported = set(re.findall(r"^# TYPE (\S+) ", r.text(), re.MULTILINE))
        used = set(METRIC.findall(read_text(RULES))) | {m for q in dashboard_queries() for m in METRIC.findall(q)}
        self.assertGreater(len(used), 10)
        missing = sorted(m for m in used if SERIES_SUFFIX.sub("", m) not in exported and m not in exported)
        self.assertEqual(missing, [], "named in conf/ but not exported")


if __name__ == "__main__":
    unittest.main()
