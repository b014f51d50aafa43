"""Easy DKIM end to end: an identity with dkim = true gets keys at the first
start; `mfrelay records` prints the TXT records, knotd serves them, and the
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

from harness import run_mfrelay, wait_until
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
        self.knot.edit("example.com", set_records=[(r["name"] + ".", 60, r["type"], r["value"]) for r in records])

    def dnsfunc(self, name, timeout=5):
        """python3-dkim's key lookup, answered by knotd on its loopback port."""
        name = name.decode() if isinstance(name, bytes) else name
        answer = dns.query.udp(dns.message.make_query(name, "TXT"), "127.0.0.1", port=self.knot.port, timeout=5)
        for rrset in answer.answer:
            for rdata in rrset:
                return b"".join(rdata.strings)
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

    def send_and_verify(self, selector, perl=True):
        smtplib_send(self.ports["local"], "app@example.com", ["someone@dest.example"], MESSAGE)
        [message] = self.delivered(1)
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
    def test_signed_mail_verifies_and_keys_stay_across_a_restart(self):
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

        self.publish(records)
        self.send_and_verify(tokens[0])

        # Already signed: the signature stays, a second one (ours) goes on top of it.
        smtplib_send(self.ports["local"], "app@example.com", ["someone@dest.example"], PRESIGNED)
        [presigned] = [m for m in self.delivered(2) if b"signed twice" in m]
        self.assertEqual(presigned.count(b"DKIM-Signature:"), 2)
        self.assertIn(PRESIGNED, presigned)
        self.assertTrue(dkim.DKIM(presigned).verify(idx=0, dnsfunc=self.dnsfunc))
        self.assertEqual(sorted(self.perl_results(presigned)),
                         sorted([["example.com", tokens[0], "pass"], ["example.com", "app", "invalid"]]))

        self.restart_relay()
        self.assertEqual(self.records(), records)


class EasyDkimEd25519(DkimRelayTest):
    key_type = "ed25519"

    def test_ed25519_signature_verifies(self):
        records = self.records()
        self.assertTrue(records[0]["value"].startswith('"v=DKIM1; k=ed25519; p='), records[0]["value"])
        self.publish(records)
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


if __name__ == "__main__":
    unittest.main()
