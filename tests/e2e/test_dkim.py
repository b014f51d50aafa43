"""Easy DKIM end to end: an identity with dkim = true gets keys at the first
start; `mfrelay records` prints the TXT records (or, with [dkim]
cname_target, SES-style CNAMEs plus the TXT records for the operator's
zone), knotd serves them, and the verifier follows knotc's edits through
PENDING, SUCCESS and TEMPORARY_FAILURE as `mfrelay status` and the
DkimStatusChange events show. Mail is signed only in SUCCESS, and then the
mail the smarthost (smtp-sink) receives verifies with two independent
verifiers, python3-dkim and Perl's Mail::DKIM, asking knotd for the keys.
A message that arrives signed keeps its signature and gets a second one."""
import json
import os
import signal
import stat
import subprocess
import unittest

import dkim
import dns.message
import dns.query
import dns.rdatatype

from harness import read_events, run_mfrelay, wait_until
from relay_fixture import RelayTest, smtplib_send

PERL_VERIFIER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dkim_verifiers.pl")

MESSAGE = (b"From: App <app@example.com>\r\nTo: someone@dest.example\r\nSubject: signed by mfrelay\r\n"
           b"Date: Sat, 05 Dec 2026 01:00:00 +0000\r\nMessage-ID: <m1@example.com>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello,   this body\t is hashed.\r\n\r\n\r\n")
PRESIGNED = (b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=app;\r\n"
             b"\th=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
             b"From: app@example.com\r\nTo: someone@dest.example\r\nSubject: signed twice\r\n\r\nbody\r\n")


class DkimRelayTest(RelayTest):
    key_type = None  # dkim_key_type, when not the default

    @property
    def identities(self):
        text = '[[identity]]\nname = "example.com"\ndkim = true\n'
        if self.key_type:
            text += f'dkim_key_type = "{self.key_type}"\n'
        return text

    def records(self):
        r = run_mfrelay("records", "example.com", "--format", "json", "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def publish(self, records):
        """Each record goes to the knotd zone its name lies in, by knotc."""
        zones = ["example.com", *self.extra_zones]
        for zone in zones:
            mine = [r for r in records if r["name"] == zone or r["name"].endswith("." + zone)]
            mine = [r for r in mine if not any(len(z) > len(zone) and r["name"].endswith(z) for z in zones)]
            if mine:
                self.knot.edit(zone, set_records=[(r["name"] + ".", 60, r["type"],
                                                   r["value"] + ("." if r["type"] == "CNAME" else "")) for r in mine])

    def dkim_row(self, ident="example.com"):
        return self.states()[ident]["dkim"]

    def wait_dkim(self, status, reason="", ident="example.com", timeout=30):
        """Bounded: polls `mfrelay status` until the DKIM status (and reason) show up."""
        return wait_until(lambda: self.dkim_row(ident) if self.dkim_row(ident)["status"] == status
                          and reason in self.dkim_row(ident)["reason"] else None,
                          timeout=timeout, what=f"DKIM of {ident} -> {status} ({reason})")

    def dkim_changes(self, ident="example.com"):
        return [(e["dkimStatusChange"]["previousStatus"], e["dkimStatusChange"]["status"])
                for e in read_events(self) if e["eventType"] == "DkimStatusChange"
                and e["dkimStatusChange"]["identity"] == ident]

    def dnsfunc(self, name, timeout=5):
        """python3-dkim's key lookup, answered by knotd on its loopback port; a CNAME
        to another of knotd's zones is followed, as a recursive resolver would."""
        name = name.decode() if isinstance(name, bytes) else name
        for _ in range(8):
            answer = dns.query.udp(dns.message.make_query(name, "TXT"), "127.0.0.1", port=self.knot.port,
                                   timeout=5)
            cname = None
            for rrset in answer.answer:
                for rdata in rrset:
                    if rrset.rdtype == dns.rdatatype.TXT:
                        return b"".join(rdata.strings)
                    if rrset.rdtype == dns.rdatatype.CNAME:
                        cname = rdata.target.to_text()
            if not cname:
                return None
            name = cname
        return None

    def delivered(self, count):
        """The messages as the smarthost got them, without smtp-sink's X- envelope lines."""
        out = []
        for m in self.sink_messages(count):
            lines = m["raw"].replace(b"\r\n", b"\n").split(b"\n")
            while lines and lines[0].startswith(b"X-"):
                lines.pop(0)
            out.append(b"\r\n".join(lines))
        return out

    def perl_results(self, message):
        r = subprocess.run(["/usr/bin/perl", PERL_VERIFIER, str(self.knot.port)], input=message,
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [line.split() for line in r.stdout.decode().splitlines()]

    def send(self, subject):
        """Sends MESSAGE with `subject` and returns it as the smarthost got it."""
        smtplib_send(self.ports["local"], "app@example.com", ["someone@dest.example"],
                     MESSAGE.replace(b"signed by mfrelay", subject.encode()))
        self.sent = getattr(self, "sent", 0) + 1
        [message] = [m for m in self.delivered(self.sent) if f"Subject: {subject}\r\n".encode() in m]
        return message

    def send_and_verify(self, selector, perl=True, subject="signed by mfrelay"):
        message = self.send(subject)
        self.assertTrue(message.startswith(b"Received: "), message[:200])  # smtp-sink's trace header on top
        self.assertIn(f"s={selector};".encode(), message)
        self.assertTrue(dkim.verify(message, dnsfunc=self.dnsfunc), message)
        if perl:
            self.assertEqual(self.perl_results(message), [["example.com", selector, "pass"]])
        # Altered after signing: the verifiers refuse it.
        altered = message.replace(b"is hashed", b"is changed")
        self.assertFalse(dkim.verify(altered, dnsfunc=self.dnsfunc))
        if perl:
            self.assertEqual(self.perl_results(altered), [["example.com", selector, "fail"]])
        return message


class EasyDkimRsa(DkimRelayTest):
    def test_signed_once_verified_states_follow_dns_and_stay_across_a_restart(self):
        records = self.records()
        tokens = [r["name"].split(".")[0] for r in records]
        self.assertEqual(len(records), 3)
        for r in records:
            self.assertEqual(r["type"], "TXT")
            self.assertRegex(r["name"], r"^[a-z0-9]{32}\._domainkey\.example\.com$")
            self.assertTrue(r["value"].startswith('"v=DKIM1; k=rsa; p=MII'), r["value"])
            # A 2048-bit key does not fit one 255-octet string.
            self.assertTrue(all(len(s) <= 255 for s in r["value"][1:-1].split('" "')))
        folder = os.path.join(self.dir, "var", "dkim", "example.com")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(folder, "private.pem")).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(folder).st_mode), 0o700)

        # Nothing published yet: PENDING after a check that found no records, and mail leaves unsigned.
        row = self.wait_dkim("PENDING", reason="NXDOMAIN")
        self.assertEqual(row["tokens"], tokens)
        self.assertIsNotNone(row["lastCheck"])
        self.assertNotIn(b"DKIM-Signature:", self.send("before the records"))

        self.publish(records)
        row = self.wait_dkim("SUCCESS")
        self.assertIn("all 3 DKIM records carry the key", row["reason"])
        self.send_and_verify(tokens[0])

        # Already signed: the signature stays, a second one (ours) goes on top of it.
        smtplib_send(self.ports["local"], "app@example.com", ["someone@dest.example"], PRESIGNED)
        self.sent += 1
        [presigned] = [m for m in self.delivered(self.sent) if b"signed twice" in m]
        self.assertEqual(presigned.count(b"DKIM-Signature:"), 2)
        self.assertIn(PRESIGNED, presigned)
        self.assertTrue(dkim.DKIM(presigned).verify(idx=0, dnsfunc=self.dnsfunc))
        self.assertEqual(sorted(self.perl_results(presigned)),
                         sorted([["example.com", tokens[0], "pass"], ["example.com", "app", "invalid"]]))

        # One record gone: TEMPORARY_FAILURE (SES needs all three), and mail leaves unsigned again.
        self.knot.edit("example.com", unset_records=[(records[1]["name"] + ".", "TXT")])
        row = self.wait_dkim("TEMPORARY_FAILURE")
        self.assertIn(records[1]["name"] + ": NXDOMAIN", row["reason"])
        self.assertNotIn(b"DKIM-Signature:", self.send("one record gone"))
        self.assertEqual(self.dkim_changes(), [(None, "PENDING"), ("PENDING", "SUCCESS"),
                                               ("SUCCESS", "TEMPORARY_FAILURE")])
        change = [e for e in read_events(self) if e["eventType"] == "DkimStatusChange"][-1]["dkimStatusChange"]
        self.assertEqual(change["tokens"], tokens)
        self.assertEqual([d["outcome"] for d in change["dns"]["dkim"]], ["ok", "nxdomain", "ok"])

        # The table shows the status too.
        r = run_mfrelay("status", "-c", self.config)
        self.assertRegex(r.stdout, r"(?m)^example\.com .*TEMPORARY_FAILURE")

        # A restart keeps the keys, the records and the state (since unchanged).
        self.restart_relay()
        self.assertEqual(self.records(), records)
        after = self.dkim_row()
        self.assertEqual((after["status"], after["since"]), ("TEMPORARY_FAILURE", row["since"]))

        # Published again: SUCCESS, and signed again.
        self.publish([records[1]])
        self.wait_dkim("SUCCESS")
        self.send_and_verify(tokens[0], subject="after the restart")


class EasyDkimEd25519(DkimRelayTest):
    key_type = "ed25519"

    def test_ed25519_signature_verifies(self):
        records = self.records()
        self.assertTrue(records[0]["value"].startswith('"v=DKIM1; k=ed25519; p='), records[0]["value"])
        self.publish(records)
        self.wait_dkim("SUCCESS")
        # Debian 12's Mail::DKIM (1.20230212) does not verify ed25519-sha256 (it says
        # "unsupported algorithm"): python3-dkim is the verifier here.
        message = self.send_and_verify(records[0]["name"].split(".")[0], perl=False)
        self.assertIn(b"a=ed25519-sha256;", message)

    def test_an_identity_given_dkim_by_a_reload_gets_its_keys(self):
        r = run_mfrelay("records", "other.example", "-c", self.config)
        self.assertEqual(r.returncode, 1)
        self.write("conf/policy.d/test.toml", self.identities + '\n[[identity]]\nname = "other.example"\ndkim = true\n')
        self.relay.send_signal(signal.SIGHUP)
        out = wait_until(lambda: run_mfrelay("records", "other.example", "--format", "json", "-c", self.config).stdout,
                         what="keys for other.example")
        self.assertTrue(json.loads(out)[0]["value"].startswith('"v=DKIM1; k=rsa; p='))
        self.wait_dkim("PENDING", ident="other.example")


class EasyDkimCnameTarget(DkimRelayTest):
    """[dkim] cname_target: the identity's zone holds CNAMEs into the operator's zone, which holds the keys."""
    extra_zones = {"dkim.relay.test": []}
    extra_config = '[dkim]\ncname_target = "DKIM.relay.test"\n'

    def test_cnames_are_followed_to_the_keys(self):
        records = self.records()
        tokens = [r["name"].split(".")[0] for r in records if r["type"] == "CNAME"]
        self.assertEqual(len(tokens), 3)
        self.assertEqual([(r["type"], r["name"], r["value"]) for r in records[:3]],
                         [("CNAME", f"{t}._domainkey.example.com", f"{t}.dkim.relay.test") for t in tokens])
        self.assertEqual([(r["type"], r["name"]) for r in records[3:]],
                         [("TXT", f"{t}.dkim.relay.test") for t in tokens])
        self.assertTrue(records[3]["value"].startswith('"v=DKIM1; k=rsa; p=MII'))
        zone = run_mfrelay("records", "example.com", "--format", "zone", "-c", self.config).stdout
        self.assertIn(f"{tokens[0]}._domainkey.example.com.\t", zone)
        self.assertIn(f"CNAME\t{tokens[0]}.dkim.relay.test.\n", zone)

        # Only the CNAMEs: followed, they lead to names that do not exist yet.
        self.publish(records[:3])
        self.wait_dkim("PENDING", reason="NXDOMAIN")
        self.assertNotIn(b"DKIM-Signature:", self.send("cnames only"))

        self.publish(records[3:])
        self.wait_dkim("SUCCESS")
        self.send_and_verify(tokens[0])

    def test_a_bad_cname_target_is_a_config_error_with_its_line(self):
        with open(self.config) as f:
            text = f.read()
        self.write("conf/mfrelay.toml", text.replace('cname_target = "DKIM.relay.test"', 'cname_target = "dkim relay"'))
        r = run_mfrelay("check", "-c", self.config)
        self.assertEqual(r.returncode, 1)
        line = [n for n, l in enumerate(text.splitlines(), 1) if l.startswith("cname_target")][0]
        self.assertRegex(r.stderr + r.stdout, rf"mfrelay\.toml:{line}:\d+: .*cname_target.*'dkim relay' is not a valid hostname")


if __name__ == "__main__":
    unittest.main()
