"""The DKIM calls of the admin API end to end: boto3's `ses` and `sesv2` and
the stock `aws` CLI enable Easy DKIM (VerifyDomainDkim, SetIdentityDkimEnabled,
PutEmailIdentityDkimAttributes), read it back (GetIdentityDkimAttributes,
GetEmailIdentity's DkimAttributes) and bring their own key
(PutEmailIdentityDkimSigningAttributes EXTERNAL); the settings are written to
policy.d and survive a restart; the mail then verifies with python3-dkim and
Mail::DKIM against the keys knotd serves. A Terraform-style
create/read/update/delete of aws_ses_domain_dkim next to
aws_ses_domain_mail_from reads back what it set, without a diff."""
import base64
import os
import stat
import subprocess
import tomllib
import unittest

# boto3 before admin_client (see test_feedback_forwarding.py): the botocore copy boto3 is built on.
import boto3  # noqa: F401
import botocore.exceptions
import dkim

from admin_client import AdminApiClients, aws
from relay_fixture import smtplib_send
from test_dkim import MESSAGE, DkimRelayTest

OPENSSL = "/usr/bin/openssl"


def operator_key(bits=2048):
    """An RSA key as an operator makes one: (base64 DER of the private key, as SES takes it; the public key's base64 DER)."""
    pem = subprocess.run([OPENSSL, "genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}"],
                         capture_output=True, check=True, timeout=60).stdout
    der = subprocess.run([OPENSSL, "pkey", "-outform", "DER"], input=pem, capture_output=True, check=True,
                         timeout=60).stdout
    pub = subprocess.run([OPENSSL, "pkey", "-pubout", "-outform", "DER"], input=pem, capture_output=True, check=True,
                         timeout=60).stdout
    return base64.b64encode(der).decode(), base64.b64encode(pub).decode()


class DkimApi(AdminApiClients, DkimRelayTest):
    # example.com starts without DKIM: the API turns it on.
    identities = '[[identity]]\nname = "example.com"\n'

    def setUp(self):
        super().setUp()
        self.ses, self.sesv2 = self.client("ses"), self.client("sesv2")
        self.sent = 0

    def declared(self, name="example.com"):
        """The identity's table in policy.d, as the relay would read it after a restart."""
        folder = self.path("conf", "policy.d")
        for file in sorted(os.listdir(folder)):
            with open(os.path.join(folder, file), "rb") as f:
                for ident in tomllib.load(f).get("identity", []):
                    if ident["name"] == name:
                        return ident
        return None

    def send(self):
        """Sends MESSAGE with a Message-ID of its own; the copy the smarthost got."""
        self.sent += 1
        message_id = f"<m{self.sent}@example.com>".encode()
        smtplib_send(self.ports["local"], "app@example.com", ["someone@dest.example"],
                     MESSAGE.replace(b"<m1@example.com>", message_id))
        [message] = [m for m in self.delivered(self.sent) if message_id in m]
        return message

    def send_and_check(self, selector):
        """Sends MESSAGE; the delivered copy carries s=selector and verifies with both verifiers."""
        message = self.send()
        self.assertIn(f"s={selector};".encode(), message)
        self.assertTrue(dkim.verify(message, dnsfunc=self.dnsfunc), message)
        self.assertEqual(self.perl_results(message), [["example.com", selector, "pass"]])
        self.assertFalse(dkim.verify(message.replace(b"is hashed", b"is changed"), dnsfunc=self.dnsfunc))
        return message

    def v1_attributes(self, *names):
        return self.ses.get_identity_dkim_attributes(Identities=list(names))["DkimAttributes"]

    def test_easy_dkim_on_and_off_through_boto3_and_the_cli(self):
        self.assertEqual(self.v1_attributes("example.com")["example.com"],
                         {"DkimEnabled": False, "DkimVerificationStatus": "NotStarted"})
        self.assertEqual(self.sesv2.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]["Status"],
                         "NOT_STARTED")

        tokens = self.ses.verify_domain_dkim(Domain="example.com")["DkimTokens"]
        self.assertEqual(len(tokens), 3)
        self.assertEqual(self.declared().get("dkim"), True)
        # The tokens are the selectors of the records `mfrelay records` prints.
        records = self.records()
        self.assertEqual([r["name"] for r in records], [f"{t}._domainkey.example.com" for t in tokens])
        # Asked again (Terraform re-applies): the same tokens.
        self.assertEqual(self.aws_ok("ses", "verify-domain-dkim", "--domain", "example.com")["DkimTokens"], tokens)

        expected_v1 = {"DkimEnabled": True, "DkimVerificationStatus": "Pending", "DkimTokens": tokens}
        self.assertEqual(self.v1_attributes("example.com", "nowhere.example"), {"example.com": expected_v1})
        cli = self.aws_ok("ses", "get-identity-dkim-attributes", "--identities", "example.com")
        self.assertEqual(cli["DkimAttributes"]["example.com"], expected_v1)
        v2 = self.sesv2.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]
        self.assertEqual({k: v2[k] for k in ("SigningEnabled", "Status", "Tokens", "SigningAttributesOrigin",
                                             "CurrentSigningKeyLength", "NextSigningKeyLength")},
                         {"SigningEnabled": True, "Status": "PENDING", "Tokens": tokens,
                          "SigningAttributesOrigin": "AWS_SES", "CurrentSigningKeyLength": "RSA_2048_BIT",
                          "NextSigningKeyLength": "RSA_2048_BIT"})
        self.assertIn("LastKeyGenerationTimestamp", v2)
        cli_v2 = self.aws_ok("sesv2", "get-email-identity", "--email-identity", "example.com")["DkimAttributes"]
        self.assertEqual(cli_v2["Tokens"], tokens)

        # The records published: DKIM turns SUCCESS (knotd answers the verifier), both
        # APIs say so, and the mail is signed and verifies.
        self.publish(records)
        self.wait_dkim("SUCCESS")
        self.assertEqual(self.v1_attributes("example.com")["example.com"]["DkimVerificationStatus"], "Success")
        self.assertEqual(self.sesv2.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]["Status"],
                         "SUCCESS")
        self.send_and_check(tokens[0])

        # Off through the CLI (v1), on again through boto3 (v2), off through the CLI (v2).
        self.aws_ok("ses", "set-identity-dkim-enabled", "--identity", "example.com", "--no-dkim-enabled")
        self.assertEqual(self.v1_attributes("example.com")["example.com"]["DkimEnabled"], False)
        self.assertNotIn("dkim", self.declared())
        self.assertNotIn(b"DKIM-Signature:", self.send())
        self.sesv2.put_email_identity_dkim_attributes(EmailIdentity="example.com", SigningEnabled=True)
        self.assertEqual(self.sesv2.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]["SigningEnabled"],
                         True)
        self.aws_ok("sesv2", "put-email-identity-dkim-attributes", "--email-identity", "example.com",
                    "--no-signing-enabled")
        self.assertNotIn("dkim", self.declared())
        self.ses.set_identity_dkim_enabled(Identity="example.com", DkimEnabled=True)

        # A restart reads policy.d: still enabled, the same tokens (the keys stayed in state_dir),
        # and the records still published: SUCCESS again.
        self.restart_relay()
        self.wait_dkim("SUCCESS")
        self.assertEqual(self.v1_attributes("example.com")["example.com"],
                         dict(expected_v1, DkimVerificationStatus="Success"))
        self.send_and_check(tokens[0])

        # Refusals with SES's codes.
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.ses.verify_domain_dkim(Domain="nowhere.example")
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValue")
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.sesv2.put_email_identity_dkim_attributes(EmailIdentity="nowhere.example", SigningEnabled=True)
        self.assertEqual(e.exception.response["Error"]["Code"], "NotFoundException")
        r = aws(self, "ses", "set-identity-dkim-enabled", "--identity", "nowhere.example", "--dkim-enabled")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("InvalidParameterValue", r.stderr)

    def test_byodkim_key_signs_and_survives_a_restart(self):
        private, public = operator_key()
        answer = self.sesv2.put_email_identity_dkim_signing_attributes(
            EmailIdentity="example.com", SigningAttributesOrigin="EXTERNAL",
            SigningAttributes={"DomainSigningSelector": "byo2024", "DomainSigningPrivateKey": private})
        self.assertEqual((answer["DkimStatus"], answer["DkimTokens"]), ("PENDING", ["byo2024"]))
        # The key in state_dir, 0600; policy.d names the selector, never the key.
        key_file = os.path.join(self.dir, "var", "dkim", "example.com", "external.pem")
        self.assertEqual(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
        self.assertEqual((self.declared()["dkim"], self.declared()["dkim_selector"]), (True, "byo2024"))
        with open(self.path("conf", "policy.d", "test.toml")) as f:
            self.assertNotIn(private[:40], f.read())
        v2 = self.sesv2.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]
        self.assertEqual((v2["SigningAttributesOrigin"], v2["Tokens"], v2["SigningEnabled"]),
                         ("EXTERNAL", ["byo2024"], True))
        self.assertEqual(self.v1_attributes("example.com")["example.com"]["DkimTokens"], ["byo2024"])

        # The public key as the operator publishes it (from their own key, not from mfrelay).
        # `mfrelay records` prints the one record, holding the operator's public key.
        [record] = self.records()
        self.assertEqual((record["name"], record["type"]), ("byo2024._domainkey.example.com", "TXT"))
        self.assertEqual("".join(record["value"][1:-1].split('" "')), f"v=DKIM1; k=rsa; p={public}")
        self.knot.edit("example.com", set_records=[("byo2024._domainkey.example.com.", 60, "TXT",
                                                     f'"v=DKIM1; k=rsa; p={public}"')])
        # The one BYODKIM name checks out: SUCCESS, and the mail is signed with the operator's selector.
        self.assertEqual(self.wait_dkim("SUCCESS")["tokens"], ["byo2024"])
        self.send_and_check("byo2024")
        self.restart_relay()
        self.wait_dkim("SUCCESS")
        self.send_and_check("byo2024")

        # A bad key through the CLI: BadRequestException, and the running key stays.
        r = aws(self, "sesv2", "put-email-identity-dkim-signing-attributes", "--email-identity", "example.com",
                "--signing-attributes-origin", "EXTERNAL", "--signing-attributes",
                "DomainSigningSelector=other,DomainSigningPrivateKey=bm90IGEga2V5")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("BadRequestException", r.stderr)
        self.assertIn("not an RSA or Ed25519 private key", r.stderr)
        small, _ = operator_key(512)
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.sesv2.put_email_identity_dkim_signing_attributes(
                EmailIdentity="example.com", SigningAttributesOrigin="EXTERNAL",
                SigningAttributes={"DomainSigningSelector": "small", "DomainSigningPrivateKey": small})
        self.assertEqual(e.exception.response["Error"]["Code"], "BadRequestException")
        self.assertIn("512 bits", e.exception.response["Error"]["Message"])
        self.assertEqual(self.declared()["dkim_selector"], "byo2024")
        self.send_and_check("byo2024")

        # Back to Easy DKIM through the CLI: three tokens, and the selector is gone from policy.d.
        back = self.aws_ok("sesv2", "put-email-identity-dkim-signing-attributes", "--email-identity", "example.com",
                           "--signing-attributes-origin", "AWS_SES")
        self.assertEqual(len(back["DkimTokens"]), 3)
        self.assertNotIn("dkim_selector", self.declared())
        self.publish(self.records())
        self.assertEqual(self.wait_dkim("SUCCESS")["tokens"], back["DkimTokens"])
        self.send_and_check(back["DkimTokens"][0])

    def test_terraform_style_domain_dkim_next_to_domain_mail_from(self):
        """The calls the Terraform AWS provider makes for aws_ses_domain_identity + aws_ses_domain_dkim +
        aws_ses_domain_mail_from: create, read, plan again (read: no diff), destroy."""
        domain, mail_from = "tf.example.com", "bounce.tf.example.com"

        def read():
            dkim_attrs = self.ses.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"]
            mail = self.ses.get_identity_mail_from_domain_attributes(Identities=[domain])["MailFromDomainAttributes"]
            verification = self.ses.get_identity_verification_attributes(Identities=[domain])
            return dkim_attrs, mail, verification["VerificationAttributes"]

        # Create.
        token = self.ses.verify_domain_identity(Domain=domain)["VerificationToken"]
        tokens = self.ses.verify_domain_dkim(Domain=domain)["DkimTokens"]
        self.ses.set_identity_mail_from_domain(Identity=domain, MailFromDomain=mail_from,
                                               BehaviorOnMXFailure="UseDefaultValue")
        # Read after create: what was set.
        dkim_attrs, mail, verification = read()
        self.assertEqual(sorted(dkim_attrs[domain]["DkimTokens"]), sorted(tokens))
        self.assertTrue(dkim_attrs[domain]["DkimEnabled"])
        self.assertEqual(mail[domain]["MailFromDomain"], mail_from)
        self.assertEqual(mail[domain]["BehaviorOnMXFailure"], "UseDefaultValue")
        self.assertEqual(verification[domain]["VerificationToken"], token)
        # Plan again (refresh): the same answers, field for field, also after a restart.
        self.assertEqual(read(), (dkim_attrs, mail, verification))
        self.restart_relay()
        self.assertEqual(read(), (dkim_attrs, mail, verification))
        # Apply again (nothing to change): the same tokens.
        self.assertEqual(self.ses.verify_domain_dkim(Domain=domain)["DkimTokens"], tokens)

        # Destroy: mail_from first (empty MAIL FROM), then the identity.
        self.ses.set_identity_mail_from_domain(Identity=domain)
        self.assertNotIn("MailFromDomain", self.ses.get_identity_mail_from_domain_attributes(
            Identities=[domain])["MailFromDomainAttributes"][domain])
        self.ses.delete_identity(Identity=domain)
        self.assertEqual(read(), ({}, {}, {}))
        self.assertIsNone(self.declared(domain))
        self.assertNotIn(domain, self.ses.list_identities()["Identities"])


if __name__ == "__main__":
    unittest.main()
