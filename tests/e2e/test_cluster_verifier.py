"""One verifier at a time (README "Running several nodes"): three mfrelay nodes
sharing one private PostgreSQL 15 (tests/e2e/cluster.py) elect one verifier with
an advisory lock; only it runs the MAIL FROM DNS checks and writes the
MailFromDomainStatusChange event; the others pick its transitions up through
LISTEN/NOTIFY within a second; kill -9 of the verifier hands the role to another
node within seconds, which goes on checking from the states in the database.
Mail sent straight to each node shows its SMTP path decides with the new state."""
import re
import time
import unittest
from datetime import datetime

from admin_client import request, signed_request
from harness import wait_until
from cluster import ProxiedSMTP
from test_cluster import CLIENT, ClusterTest, message

IDENTITY = "example.com"
FAN_OUT = 1.0  # seconds from the verifier's transition to every node showing it


def metric(node, name):
    """One unlabelled sample of the node's /metrics (None when it does not answer)."""
    try:
        r = request(node.ports["admin"], "GET", "/metrics", timeout=5)
    except OSError:
        return None
    m = re.search(rf"^{name} (\S+)$", r.text(), re.M)
    return float(m.group(1)) if m else None


def verifier_gauge(node):
    """This node's mfrelay_verifier gauge (None when it does not answer)."""
    return metric(node, "mfrelay_verifier")


def status_of(node):
    """The identity's MAIL FROM status as the node's admin API shows it."""
    r = signed_request(node.ports["admin"], "GET", "/v1/status", timeout=5)
    if r.status != 200:
        return None
    return next((row["status"] for row in r.json() if row["identity"] == IDENTITY), None)


def event_time(event):
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


class VerifierTest(ClusterTest):
    def the_verifier(self, nodes):
        """The one node of `nodes` whose gauge says 1 while every other says 0, waited for."""
        def one():
            gauges = {n.name: verifier_gauge(n) for n in nodes}
            ones = [n for n in nodes if gauges[n.name] == 1.0]
            return ones[0] if len(ones) == 1 and all(gauges[n.name] == 0.0 for n in nodes if n not in ones) else None
        return wait_until(one, timeout=10, what="exactly one verifier among " + ", ".join(n.name for n in nodes))


class OneVerifier(VerifierTest):
    def change_seen_by_all(self, nodes, verifier, to, edit):
        """Applies `edit` to knotd, then polls every node's status every 100 ms until all show `to`; asserts each
        showed it within FAN_OUT of the verifier's MailFromDomainStatusChange event, and that no other node
        wrote one."""
        before = {n.name: len(n.events("MailFromDomainStatusChange")) for n in nodes}
        edit()
        seen = {}

        def all_seen():
            for n in nodes:
                if n.name not in seen and status_of(n) == to:
                    seen[n.name] = time.time()  # when the answer came back: an upper bound
            return len(seen) == len(nodes)
        wait_until(all_seen, timeout=30, interval=0.1, what=f"{to} on every node")
        events = wait_until(lambda: [e for e in verifier.events("MailFromDomainStatusChange")[before[verifier.name]:]
                                     if e["mailFromDomainStatusChange"]["status"] == to],
                            timeout=10, what=f"the verifier's {to} event")
        at = event_time(events[0])
        for n in nodes:
            self.assertLessEqual(seen[n.name] - at, FAN_OUT, f"{n.name} saw {to} {seen[n.name] - at:.3f} s after "
                                 f"the verifier's transition")
            if n is not verifier:
                self.assertEqual(len(n.events("MailFromDomainStatusChange")), before[n.name],
                                 f"{n.name} is not the verifier: it writes no status change event")

    def mail_from_at_each(self, nodes, tag, domain):
        """One message straight to each node: the envelope sender it got comes from that node's snapshot."""
        for n in nodes:
            with ProxiedSMTP(n.ports["smtp"], CLIENT, timeout=30) as c:
                self.assertEqual(c.sendmail("app@example.com", ["reader@dest.example"], message(f"{tag}-{n.name}")),
                                 {})
        want = {f"{tag}-{n.name}" for n in nodes}
        got = wait_until(lambda: (lambda seen: seen if want <= set(seen) else None)(self.subjects_at_sink()),
                         timeout=30, what=f"the {tag} messages at the sink")
        for subject in want:
            self.assertRegex(got[subject]["mail"], r"^<0100[0-9a-f-]+-000000@" + re.escape(domain) + ">", subject)

    def test_one_verifier_fans_out_and_hands_over_when_killed(self):
        nodes = list(self.cluster.nodes)
        verifier = self.the_verifier(nodes)
        knot = self.cluster.knot
        mx = ("bounce", 3600, "MX", "10 feedback-smtp.us-west-2.amazonses.com.")

        # No MX: Success -> TemporaryFailure at the verifier; every node has it within a second.
        self.change_seen_by_all(nodes, verifier, "TemporaryFailure",
                                lambda: knot.edit("example.com", unset_records=[("bounce", "MX")]))
        self.mail_from_at_each(nodes, "tf", "us-west-2.amazonses.com")

        # The verifier dies without a word: another node takes the role and goes on from the stored state.
        self.cluster.kill_node(verifier)
        live = [n for n in nodes if n is not verifier]
        successor = self.the_verifier(live)
        self.change_seen_by_all(live, successor, "Success", lambda: knot.edit("example.com", set_records=[mx]))
        self.mail_from_at_each(live, "ok", "bounce.example.com")


class VerifyAtAnyNode(VerifierTest):
    def test_verify_at_a_node_that_is_not_the_verifier_runs_the_check_at_the_verifier(self):
        nodes = list(self.cluster.nodes)
        verifier = self.the_verifier(nodes)
        other = next(n for n in nodes if n is not verifier)
        r = signed_request(other.ports["admin"], "POST", f"/v1/identities/{IDENTITY}/verify")
        self.assertEqual(r.status, 200, r.text())
        self.assertIs(r.json()["checked"], True, "a check was started, by the verifier")
        line = f"cluster: checked {IDENTITY} now, as another node asked"

        def log(node):
            with open(node.proc.log_path, errors="replace") as f:
                return f.read()
        wait_until(lambda: line in log(verifier), timeout=10, what=f"{verifier.name} (the verifier) runs the check")
        self.assertNotIn(line, log(other))


if __name__ == "__main__":
    unittest.main()
