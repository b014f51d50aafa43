"""The DMARC verdict end to end: knotd serves _dmarc records (p=reject with
aspf=s, aspf=r, adkim=s, and none at all), the real `mfrelay serve` reads
them through c-ares and reports, per identity, whether its mail passes DMARC
alignment and which policy applies, in `mfrelay status`, `explain`, the
admin API and DmarcVerdictChange events."""
import json
import signal
import time
import unittest

from admin_client import signed_request
from harness import MFRELAY, TempDirTest, identity, read_events, relay_config, run_mfrelay, wait_until
from knot import Knot

FEEDBACK = "feedback-smtp.us-west-2.amazonses.com."
SPF = '"v=spf1 include:amazonses.com ~all"'
REJUDGE_DELAY = 1.0  # dmarc_reader::rejudge_delay, seconds


def verified_mail_from(label="bounce"):
    return [f"{label} IN MX 10 {FEEDBACK}", f"{label} IN TXT {SPF}"]


class DmarcBase(TempDirTest):
    """knotd with the four kinds of record, and a relay reading them every `interval`."""
    interval = "300ms"

    def setUp(self):
        super().setUp()
        self.knot = Knot(self, {
            "strict.test": verified_mail_from() + ['_dmarc IN TXT "v=DMARC1; p=reject; aspf=s"'],
            "relaxed.test": verified_mail_from() + ['_dmarc IN TXT "v=DMARC1; p=reject; aspf=r"'],
            "dkims.test": verified_mail_from() + ['_dmarc IN TXT "v=DMARC1; p=quarantine; adkim=s"'],
            "none.test": verified_mail_from() + ['@ IN TXT "v=spf1 -all"'],
            "late.test": ['_dmarc IN TXT "v=DMARC1; p=none"'],
        })
        self.config = relay_config(
            self, dns_server=self.knot.server(),
            identities=identity("strict.test", "bounce.strict.test")
            + identity("relaxed.test", "bounce.relaxed.test")
            + identity("ops@bounce.relaxed.test")  # sends From its own MAIL FROM domain: warned
            + identity("dkims.test", "bounce.dkims.test")
            + identity("alerts@dkims.test")  # no custom MAIL FROM: the default domain, no alignment
            + identity("none.test", "bounce.none.test"),
            extra=f'[dmarc]\ninterval = "{self.interval}"\n')
        self.relay = self.start([MFRELAY, "serve", "-c", self.config])
        wait_until(lambda: all(r["status"] == "Success" and r["dmarc"] and r["dmarc"]["result"] != "unknown"
                               for r in self.rows().values() if r["mailFromDomain"]),
                   what="every MAIL FROM domain in Success and every _dmarc record read")

    def relay_log(self):
        with open(self.relay.log_path, errors="replace") as f:
            return f.read()

    def rows(self):
        r = run_mfrelay("status", "--format", "json", "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {row["identity"]: row for row in json.loads(r.stdout)}


class Dmarc(DmarcBase):
    def test_verdicts(self):
        d = {name: row["dmarc"] for name, row in self.rows().items()}
        # p=reject; aspf=s: the MAIL FROM subdomain in Success never aligns strictly.
        self.assertEqual(d["strict.test"]["result"], "fail")
        self.assertFalse(d["strict.test"]["spfAligned"])
        self.assertEqual(d["strict.test"]["aligned"], "neither")
        self.assertEqual((d["strict.test"]["policyTag"], d["strict.test"]["policy"]), ("p", "reject"))
        self.assertEqual(d["strict.test"]["aspf"], "s")
        self.assertIn("aspf=s", d["strict.test"]["why"])
        # aspf=r: the same organizational domain aligns.
        self.assertEqual(d["relaxed.test"]["result"], "pass")
        self.assertEqual(d["relaxed.test"]["aligned"], "spf")
        self.assertEqual(d["relaxed.test"]["policy"], "reject")
        # adkim=s without DKIM: the verdict rests on SPF alone.
        self.assertEqual((d["dkims.test"]["result"], d["dkims.test"]["aligned"]), ("pass", "spf"))
        self.assertFalse(d["dkims.test"]["dkimAligned"])
        self.assertEqual(d["dkims.test"]["adkim"], "s")
        self.assertEqual(d["alerts@dkims.test"]["result"], "fail")
        self.assertEqual(d["alerts@dkims.test"]["policy"], "quarantine")
        self.assertIn("us-west-2.amazonses.com", d["alerts@dkims.test"]["why"])
        # No record: no DMARC policy, and it says so.
        self.assertEqual(d["none.test"]["result"], "noPolicy")
        self.assertIsNone(d["none.test"]["policy"])
        self.assertIn("no DMARC policy", d["none.test"]["why"])
        self.assertEqual(d["none.test"]["recordName"], "_dmarc.none.test")

        # The first verdicts since start are one log line, not an event or a line each.
        wait_until(lambda: "DMARC: first verdicts of 6 identities:" in self.relay_log(), what="the first verdicts' line")
        self.assertNotIn("DMARC none.test:", self.relay_log())

        # The MAIL FROM domain also used as a From domain is warned about.
        rows = self.rows()
        self.assertIn("also a From domain", rows["relaxed.test"]["mailFromWarning"])
        self.assertIsNone(rows["strict.test"]["mailFromWarning"])

        # The table gives a verdict line per identity.
        table = run_mfrelay("status", "-c", self.config).stdout
        self.assertIn("dmarc strict.test: fail (aligned: neither): p=reject applies", table)
        self.assertIn("dmarc relaxed.test: pass (aligned: spf)", table)
        self.assertIn("dmarc none.test: no DMARC policy: no record at _dmarc.none.test", table)
        self.assertIn("warning relaxed.test: MAIL FROM domain bounce.relaxed.test", table)

        # explain and the admin API say the same.
        out = run_mfrelay("explain", "--from", "someone@strict.test", "-c", self.config).stdout
        self.assertRegex(out, r"dmarc:\s+fail \(aligned: neither\): p=reject applies")
        out = run_mfrelay("explain", "--from", "someone@none.test", "-c", self.config).stdout
        self.assertRegex(out, r"dmarc:\s+no DMARC policy")
        r = signed_request(self.admin_port, "GET", "/v1/status")
        self.assertEqual(r.status, 200)
        api = {row["identity"]: row["dmarc"] for row in r.json()}
        self.assertEqual(api["strict.test"]["result"], "fail")
        r = signed_request(self.admin_port, "GET", "/v1/explain?from=a%40relaxed.test")
        self.assertEqual(r.json()["dmarc"]["result"], "pass")

    def test_record_edit_changes_the_verdict_and_is_an_event(self):
        self.knot.edit("strict.test", unset_records=[("_dmarc", "TXT")],
                       set_records=[("_dmarc", 60, "TXT", '"v=DMARC1; p=reject; aspf=r"')])
        wait_until(lambda: self.rows()["strict.test"]["dmarc"]["result"] == "pass", what="strict.test passes")
        self.knot.edit("none.test", set_records=[("_dmarc", 60, "TXT", '"v=DMARC1; p=quarantine; aspf=s"')])
        wait_until(lambda: self.rows()["none.test"]["dmarc"]["result"] == "fail", what="none.test fails")
        # The verdict is stored before its event is written: both events are waited for.
        def both_changes():
            seen = {e["dmarcVerdictChange"]["identity"]: e["dmarcVerdictChange"] for e in read_events(self)
                    if e["eventType"] == "DmarcVerdictChange"}
            return seen if {"strict.test", "none.test"} <= seen.keys() else None
        by_identity = wait_until(both_changes, what="both DmarcVerdictChange events")
        self.assertEqual((by_identity["strict.test"]["previousResult"], by_identity["strict.test"]["result"]),
                         ("fail", "pass"))
        self.assertEqual((by_identity["none.test"]["previousResult"], by_identity["none.test"]["result"]),
                         ("noPolicy", "fail"))
        self.assertEqual(by_identity["none.test"]["policy"], "quarantine")

        # Resolver trouble keeps the last verdict.
        self.knot.stop()
        wait_until(lambda: "keeping what was known" in self.relay_log(), what="a failed read")
        self.assertEqual(self.rows()["strict.test"]["dmarc"]["result"], "pass")


class DmarcByDkim(DmarcBase):
    def test_dkim_in_success_aligns_under_adkim_s(self):
        """strict.test fails under aspf=s by SPF; once it signs (DKIM SUCCESS, its
        records from `mfrelay records` served by knotd) it passes by DKIM."""
        with open(self.path("conf", "policy.d", "test.toml")) as f:
            text = f.read()
        text = text.replace('name = "strict.test"\n', 'name = "strict.test"\ndkim = true\n')
        with open(self.path("conf", "policy.d", "test.toml"), "w") as f:
            f.write(text)
        self.knot.edit("strict.test", unset_records=[("_dmarc", "TXT")],
                       set_records=[("_dmarc", 60, "TXT", '"v=DMARC1; p=reject; aspf=s; adkim=s"')])
        self.relay.send_signal(signal.SIGHUP)
        wait_until(lambda: self.rows()["strict.test"]["dkim"]["status"] == "PENDING", what="DKIM keys made")
        # Not signing yet: SPF alone, which aspf=s refuses.
        self.assertEqual(self.rows()["strict.test"]["dmarc"]["aligned"], "neither")
        r = run_mfrelay("records", "strict.test", "--format", "json", "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        keys = [x for x in json.loads(r.stdout) if "._domainkey." in x["name"]]
        self.assertEqual(len(keys), 3)
        self.knot.edit("strict.test", set_records=[(x["name"] + ".", 60, x["type"], x["value"]) for x in keys])
        wait_until(lambda: self.rows()["strict.test"]["dkim"]["status"] == "SUCCESS", timeout=30, what="DKIM SUCCESS")
        d = wait_until(lambda: v if (v := self.rows()["strict.test"]["dmarc"])["result"] == "pass" else None,
                       what="strict.test passes by DKIM")
        self.assertEqual(d["aligned"], "dkim")
        self.assertTrue(d["dkimAligned"])
        self.assertFalse(d["spfAligned"])
        r = signed_request(self.admin_port, "GET", "/v1/explain?from=a%40strict.test")
        self.assertEqual((r.json()["dmarc"]["result"], r.json()["dmarc"]["aligned"]), ("pass", "dkim"))
        change = wait_until(lambda: [e["dmarcVerdictChange"] for e in read_events(self)
                                     if e["eventType"] == "DmarcVerdictChange"
                                     and e["dmarcVerdictChange"]["identity"] == "strict.test"
                                     and e["dmarcVerdictChange"]["result"] == "pass"] or None,
                            what="the DmarcVerdictChange event")
        self.assertEqual(change[-1]["previousResult"], "fail")


class DmarcReload(DmarcBase):
    interval = "1h"

    def test_identity_added_by_a_reload_is_read_at_once(self):
        with open(self.path("conf", "policy.d", "test.toml"), "a") as f:
            f.write(identity("alerts@late.test"))
        self.relay.send_signal(signal.SIGHUP)
        wait_until(lambda: self.rows().get("alerts@late.test"), what="the reload")
        row = wait_until(lambda: r if (r := self.rows()["alerts@late.test"])["dmarc"]["result"] != "unknown" else None,
                         timeout=10, what="late.test read well before the 1h interval")
        self.assertEqual((row["dmarc"]["result"], row["dmarc"]["policy"]), ("fail", "none"))

    def test_without_a_policy_alignment_alone_is_no_event(self):
        """sub.none.test's MAIL FROM domain turns Success after its first verdict:
        SPF aligns, but with no _dmarc record that decides nothing, so there is
        no DmarcVerdictChange until a record appears."""
        with open(self.path("conf", "policy.d", "test.toml"), "a") as f:
            f.write(identity("sub.none.test", "bounce.sub.none.test"))
        self.relay.send_signal(signal.SIGHUP)
        row = wait_until(lambda: r if (r := self.rows().get("sub.none.test")) and r["dmarc"]["result"] != "unknown"
                         else None, timeout=10, what="sub.none.test's first verdict")
        self.assertEqual((row["status"], row["dmarc"]["result"], row["dmarc"]["aligned"]),
                         ("Pending", "noPolicy", "neither"))
        self.knot.edit("none.test", set_records=[("bounce.sub", 60, "MX", f"10 {FEEDBACK}"),
                                                 ("bounce.sub", 60, "TXT", SPF)])
        wait_until(lambda: self.rows()["sub.none.test"]["status"] == "Success", timeout=30, what="Success")
        self.assertEqual(self.rows()["sub.none.test"]["dmarc"]["aligned"], "spf")
        # Its rejudge (a second after the transition) comes before the record.
        time.sleep(2 * REJUDGE_DELAY)
        self.knot.edit("none.test", set_records=[("_dmarc", 60, "TXT", '"v=DMARC1; p=reject"')])
        self.relay.send_signal(signal.SIGHUP)
        changes = wait_until(lambda: [e["dmarcVerdictChange"] for e in read_events(self)
                                      if e["eventType"] == "DmarcVerdictChange"
                                      and e["dmarcVerdictChange"]["identity"] == "sub.none.test"] or None,
                             what="the DmarcVerdictChange of the new record")
        self.assertEqual([(c["previousResult"], c["previousAligned"], c["result"], c["aligned"]) for c in changes],
                         [("noPolicy", "spf", "pass", "spf")])


class DmarcConfig(TempDirTest):
    def test_unreadable_public_suffix_list_is_a_config_error(self):
        config = relay_config(self, extra='[dmarc]\npublic_suffix_list = "missing.dat"\n')
        r = run_mfrelay("check", "-c", config)
        self.assertEqual(r.returncode, 1)
        with open(config) as f:
            line = f.read().split("\n").index('public_suffix_list = "missing.dat"') + 1
        self.assertIn(f"mfrelay.toml:{line}:", r.stderr + r.stdout)
        self.assertIn("missing.dat' is not a readable file", r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main()
