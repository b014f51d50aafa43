"""Live MAIL FROM verification end to end: a real knotd serves the zones,
knotc edits them live, the real `mfrelay serve` checks them through c-ares,
and `mfrelay status --format json` follows."""
import json
import signal
import time
import unittest

from harness import MFRELAY, TempDirTest, identity, read_events, relay_config, run_mfrelay, wait_until
from knot import Knot

FEEDBACK = "feedback-smtp.us-west-2.amazonses.com."
SPF = '"v=spf1 include:amazonses.com ~all"'


class Verification(TempDirTest):
    def setUp(self):
        super().setUp()
        self.knot = Knot(self, {
            "example.com": [
                f"stable IN MX 10 {FEEDBACK}",  # verified from the start
                f"stable IN TXT {SPF}",
                f"mail IN TXT {SPF}",  # so removing its MX leaves NODATA, not NXDOMAIN
                f"mx2.multi IN MX 10 {FEEDBACK}",  # two MX: the setup must not succeed
                "mx2.multi IN MX 20 backup.example.net.",
            ],
        })
        self.config = relay_config(
            self, dns_server=self.knot.server(),
            identities=identity("example.com", "mail.example.com")
            + identity("billing@example.com", "bounce.example.com", "RejectMessage")
            + identity("sales@example.com", "stable.example.com")
            + identity("multi.example.com", "mx2.multi.example.com"),
            verification={"window": "6s"})
        self.relay = None

    def start_relay(self):
        self.relay = self.start([MFRELAY, "serve", "-c", self.config])
        wait_until(lambda: self.states().get("sales@example.com", {}).get("status") == "Success",
                   what="the first check of stable.example.com")

    def states(self):
        r = run_mfrelay("status", "--format", "json", "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {row["identity"]: row for row in json.loads(r.stdout)}

    def wait_status(self, ident, status, timeout=30):
        return wait_until(lambda: self.states()[ident] if self.states()[ident]["status"] == status else None,
                          timeout=timeout, what=f"{ident} -> {status}")

    def test_states_follow_dns(self):
        self.start_relay()
        s = self.states()
        self.assertEqual(s["example.com"]["status"], "Pending")
        self.assertEqual(s["example.com"]["mailFromDomain"], "mail.example.com")
        self.assertEqual(s["example.com"]["behaviorOnMxFailure"], "UseDefaultValue")
        self.assertEqual(s["sales@example.com"]["spf"], "ok")
        self.assertEqual(set(s["example.com"]), {"identity", "mailFromDomain", "status", "behaviorOnMxFailure",
                                                 "since", "lastCheck", "reason", "spf", "dkim", "dmarc",
                                                 "mailFromWarning"})
        self.assertEqual(s["example.com"]["dkim"]["status"], "NOT_STARTED")  # dkim = false

        # A second MX is not Success.
        row = wait_until(lambda: self.states()["multi.example.com"]
                         if "2 MX records" in self.states()["multi.example.com"]["reason"] else None,
                         what="multi.example.com checked with two MX")
        self.assertEqual(row["status"], "Pending")

        # Add the MX -> Success.
        self.knot.edit("example.com", set_records=[("mail", 60, "MX", "10 " + FEEDBACK)])
        row = self.wait_status("example.com", "Success")
        self.assertIn("exactly one MX", row["reason"])
        r = run_mfrelay("explain", "--from", "someone@example.com", "-c", self.config)
        self.assertRegex(r.stdout, r"state:\s+Success since ")
        self.assertRegex(r.stdout, r"envelope sender becomes:\s+<message-id>@mail.example.com")
        self.assertEqual(row["spf"], "ok")

        # Remove it -> TemporaryFailure.
        self.knot.edit("example.com", unset_records=[("mail", "MX")])
        row = self.wait_status("example.com", "TemporaryFailure")
        self.assertIn("no MX record", row["reason"])

        # Wait out the 6-second window -> Failed, and no more checks after that.
        row = self.wait_status("example.com", "Failed", timeout=40)
        time.sleep(1.5)
        self.assertEqual(self.states()["example.com"]["lastCheck"], row["lastCheck"], "Failed is checked no more")

        # Every transition is an event with its DNS evidence.
        changes = [e["mailFromDomainStatusChange"] for e in read_events(self)
                   if e["eventType"] == "MailFromDomainStatusChange" and e["policy"]["identity"] == "example.com"]
        self.assertEqual([(c["previousStatus"], c["status"]) for c in changes],
                         [(None, "Pending"), ("Pending", "Success"), ("Success", "TemporaryFailure"),
                          ("TemporaryFailure", "Failed")])
        self.assertEqual(changes[1]["dns"]["mx"], {"outcome": "ok", "records": ["10 " + FEEDBACK.rstrip(".")]})
        self.assertEqual(changes[2]["dns"]["mx"]["outcome"], "nodata")

    def test_dns_server_gone_leaves_states_alone_and_restart_keeps_them(self):
        self.start_relay()
        self.knot.edit("example.com", set_records=[("mail", 60, "MX", "10 " + FEEDBACK)])
        self.wait_status("example.com", "Success")
        before = self.states()

        self.knot.stop()
        # Several check intervals pass with the server gone: checks happen, states stay.
        wait_until(lambda: "inconclusive" in self.states()["example.com"]["reason"], what="an inconclusive check")
        time.sleep(1.5)
        during = self.states()
        for ident in before:
            self.assertEqual(during[ident]["status"], before[ident]["status"], ident)
            self.assertEqual(during[ident]["since"], before[ident]["since"], ident)

        # Restart mfrelay (knotd still down): the states are the same.
        self.relay.send_signal(signal.SIGTERM)
        self.assertEqual(self.relay.wait(timeout=20), 0)
        self.relay = self.start([MFRELAY, "serve", "-c", self.config])
        time.sleep(1.5)
        after = self.states()
        for ident in before:
            self.assertEqual(after[ident]["status"], before[ident]["status"], ident)
            self.assertEqual(after[ident]["since"], before[ident]["since"], ident)
        self.assertIsNone(self.relay.poll(), "mfrelay keeps running without its DNS server")

    def test_sighup_reload_starts_a_new_setting_at_pending(self):
        self.start_relay()
        self.assertEqual(self.states()["sales@example.com"]["status"], "Success")
        # Change the MAIL FROM domain: it restarts at Pending and is checked again.
        with open(self.path("conf", "policy.d", "test.toml")) as f:
            text = f.read()
        self.write("conf/policy.d/test.toml", text.replace('"stable.example.com"', '"mail.example.com"'))
        self.relay.send_signal(signal.SIGHUP)
        wait_until(lambda: self.states()["sales@example.com"]["mailFromDomain"] == "mail.example.com",
                   what="the reload")
        # A broken file is refused and the running policy stays.
        self.write("conf/policy.d/broken.toml", '[[identity]]\nname = "other.org"\nmail_from_domain = "x.example.com"\n')
        self.relay.send_signal(signal.SIGHUP)
        reload = wait_until(lambda: [e for e in read_events(self) if e["eventType"] == "ConfigReload"
                                     and e["configReload"]["result"] == "refused"], what="a refused reload")
        self.assertIn("is not subdomain of the domain of the identity other.org", reload[0]["configReload"]["errors"][0])
        self.assertIsNone(self.relay.poll())


if __name__ == "__main__":
    unittest.main()
