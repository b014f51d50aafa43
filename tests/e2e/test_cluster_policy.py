"""A cluster's identities (README "Running several nodes"): with [store] kind =
"postgresql" they live in the shared PostgreSQL, not in each node's policy.d.
Three nodes behind HAProxy (tests/e2e/cluster.py): a MAIL FROM change made
through one node's admin API is applied by all three within a second
(LISTEN/NOTIFY), and mail sent straight to another node then leaves with the
envelope sender it implies; `mfrelay policy push` refuses an invalid policy.d
(file:line, nothing stored) and every node applies a valid push within a
second, whatever its own policy.d says."""
import json
import os
import time
import unittest

from admin_client import signed_request
from cluster import ProxiedSMTP
from harness import TempDirTest, relay_config, run_mfrelay, wait_until
from test_cluster import CLIENT, ClusterTest, message

IDENTITY = "example.com"
APPLY = 1.0  # seconds from the write to every node deciding with it


def mail_from_domain(node):
    """The identity's MAIL FROM domain as the node's admin API shows it (None when it does not answer)."""
    try:
        r = signed_request(node.ports["admin"], "GET", "/v1/status", timeout=5)
    except OSError:
        return None
    if r.status != 200:
        return None
    return next((row["mailFromDomain"] for row in r.json() if row["identity"] == IDENTITY), "(no such identity)")


class ClusterPolicy(ClusterTest):
    def applied_everywhere(self, domain, since):
        """Polls every node every 20 ms until all show `domain`; asserts each did within APPLY of `since`."""
        seen = {}
        deadline = time.monotonic() + 10
        while len(seen) < len(self.cluster.nodes) and time.monotonic() < deadline:
            for n in self.cluster.nodes:
                if n.name not in seen and mail_from_domain(n) == domain:
                    seen[n.name] = time.monotonic() - since
            time.sleep(0.02)
        self.assertEqual(sorted(seen), [n.name for n in self.cluster.nodes],
                         f"nodes showing {domain}: {seen}; now {[mail_from_domain(n) for n in self.cluster.nodes]}")
        for name, after in seen.items():
            self.assertLessEqual(after, APPLY, f"{name} applied {domain} {after:.3f} s after the write")
        return seen

    def revision(self):
        return int(self.pg.sql("SELECT revision FROM policy_revision")[0][0])

    def policy_file(self, node, name, text):
        with open(os.path.join(node.dir, "conf", "policy.d", name), "w") as f:
            f.write(text)

    def test_an_admin_api_change_on_one_node_is_applied_by_all_within_a_second(self):
        first, _, third = self.cluster.nodes
        before = self.revision()
        body = json.dumps({"MailFromDomain": "mail.example.com", "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"})
        r = signed_request(first.ports["admin"], "PUT", f"/v2/email/identities/{IDENTITY}/mail-from",
                           body=body.encode(), headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r.text())
        seen = self.applied_everywhere("mail.example.com", time.monotonic())
        print(f"admin API change on {first.name} applied after (s): "
              + ", ".join(f"{k} {v:.3f}" for k, v in sorted(seen.items())))
        self.assertEqual(self.revision(), before + 1, "one write of the cluster's policy")
        stored = "".join(row[0] for row in self.pg.sql("SELECT text FROM policy_file"))
        self.assertIn('mail_from_domain = "mail.example.com"', stored)
        # The third node decides with it: mail.example.com has no records yet, so the
        # regional default is the envelope sender (USE_DEFAULT_VALUE).
        with ProxiedSMTP(third.ports["smtp"], CLIENT, timeout=30) as c:
            self.assertEqual(c.sendmail("app@example.com", ["reader@dest.example"], message("after-change")), {})
        got = self.wait_for_subject("after-change")
        self.assertRegex(got["mail"], r"^<0100[0-9a-f-]+-000000@us-west-2\.amazonses\.com>")
        self.assertIn(f"by {third.name}.cluster.test", got["text"])

        # That change is in no policy.d: a push from one would discard it, so it is refused
        # until pulled (or forced), and nothing is stored meanwhile.
        r = run_mfrelay("policy", "push", "-c", third.config)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("changes made through the admin API since the last push", r.stderr)
        self.assertEqual(self.revision(), before + 1)
        r = run_mfrelay("policy", "pull", "-c", third.config)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(third.dir, "conf", "policy.d", "identities.toml")) as f:
            self.assertIn('mail_from_domain = "mail.example.com"', f.read())
        r = run_mfrelay("policy", "push", "-c", third.config)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.revision(), before + 2)
        self.assertEqual([mail_from_domain(n) for n in self.cluster.nodes], ["mail.example.com"] * 3)

    def test_dkim_keys_are_not_made_or_stored_through_one_node(self):
        first = self.cluster.nodes[0]
        before = self.revision()
        r = signed_request(first.ports["admin"], "PUT", f"/v2/email/identities/{IDENTITY}/dkim",
                           body=json.dumps({"SigningEnabled": True}).encode(),
                           headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r.text())
        self.assertIn("on a cluster, DKIM signing is set up on every node", r.text())
        self.assertEqual(self.revision(), before, "nothing written")

    def test_a_change_planned_on_an_older_policy_is_refused_and_writes_nothing(self):
        second = self.cluster.nodes[1]
        # Another writer moved the revision on without a word (no NOTIFY): the
        # second node's policy is now older than the stored one.
        self.pg.sql("UPDATE policy_revision SET revision = revision + 1")
        before = self.revision()
        body = json.dumps({"MailFromDomain": "stale.example.com", "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"})
        r = signed_request(second.ports["admin"], "PUT", f"/v2/email/identities/{IDENTITY}/mail-from",
                           body=body.encode(), headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 409, r.text())
        self.assertIn("changed on another node meanwhile", r.text())
        self.assertEqual(self.revision(), before, "nothing written")
        self.assertEqual(mail_from_domain(second), "bounce.example.com")

    def test_policy_push_is_validated_then_applied_by_every_node_within_a_second(self):
        _, second, third = self.cluster.nodes
        before = self.revision()
        # Invalid: refused with file:line, and nothing is stored.
        self.policy_file(second, "broken.toml", '[[identity]]\nname = "broken..example"\n')
        r = run_mfrelay("policy", "push", "-c", second.config)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stderr, r"policy\.d/broken\.toml:2:\d+: ")
        self.assertEqual(self.revision(), before, "a refused push stores nothing")
        os.remove(os.path.join(second.dir, "conf", "policy.d", "broken.toml"))

        # The third node's own policy.d says otherwise: the cluster's policy wins.
        self.policy_file(third, "identities.toml", f'[[identity]]\nname = "{IDENTITY}"\nmail_from_domain = '
                                                   '"local.example.com"\n')
        self.policy_file(second, "identities.toml", f'[[identity]]\nname = "{IDENTITY}"\nmail_from_domain = '
                                                    '"pushed.example.com"\n')
        r = run_mfrelay("policy", "push", "-c", second.config)
        pushed = time.monotonic()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, rf"pushed 1 files \(1 identities\) .*revision {before + 1}\b")
        seen = self.applied_everywhere("pushed.example.com", pushed)
        print("policy push applied after (s): " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(seen.items())))
        # A node serves the new policy before its reload event is written (after the
        # state reconcile), so the event is waited for, not read once.
        reloads = wait_until(lambda: [e for e in third.events("ConfigReload")
                                      if e["configReload"]["result"] == "applied"],
                             timeout=15, what="the third node's ConfigReload event")
        self.assertEqual(reloads[-1]["configReload"]["trigger"], "the cluster's policy changed")

    def wait_for_subject(self, subject):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            got = self.subjects_at_sink().get(subject)
            if got:
                return got
            time.sleep(0.1)
        self.fail(f"{subject} never reached the sink")


class OneNode(TempDirTest):
    def test_policy_push_without_a_shared_store_says_why(self):
        config = relay_config(self)
        r = run_mfrelay("policy", "push", "-c", config)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn('[store] kind is not "postgresql"', r.stderr)


if __name__ == "__main__":
    unittest.main()
