"""The admin HTTP API end to end: the stock AWS CLI (`aws ses`, `aws sesv2`)
and botocore-signed requests against the real `mfrelay serve`, with a real
knotd serving the MAIL FROM domains and smtp-sink as the smarthost. What the
API writes must show up in policy.d and in the next message's envelope; what
it refuses must change nothing."""
import http.client
import json
import os
import re
import subprocess
import threading
import time
import tomllib
import unittest
import urllib.parse

from admin_client import aws, request, signed_request
from harness import ADMIN_SECRET, MFRELAY, identity, read_events, run_mfrelay, wait_for_port, wait_until
from relay_fixture import FEEDBACK, RelayTest, accepted_id

SPF = '"v=spf1 include:amazonses.com ~all"'
MAX_BODY_BYTES = 1048576  # [admin] max_body_bytes default
AWS_SERVICE_ERROR = 254   # the aws CLI's exit status when the service answered with an error


class AdminTest(RelayTest):
    zone_records = [f"mail IN MX 10 {FEEDBACK}", f"mail IN TXT {SPF}",
                    f"bounce IN MX 10 {FEEDBACK}", f"bounce IN TXT {SPF}"]
    identities = (identity("example.com")
                  + identity("billing@example.com", "bounce.example.com", "RejectMessage")
                  + identity("other.org"))

    def policy_files(self):
        """Every policy.d file, name -> bytes."""
        folder = self.path("conf", "policy.d")
        out = {}
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as f:
                out[name] = f.read()
        return out

    def declared(self, name="test.toml"):
        """The identities a policy.d file declares, name -> table."""
        with open(self.path("conf", "policy.d", name), "rb") as f:
            return {i["name"]: i for i in tomllib.load(f).get("identity", [])}

    def settings(self):
        """What a refused request must not move: per identity, its setting and its state."""
        return {name: (row["mailFromDomain"], row["behaviorOnMxFailure"], row["status"], row["since"])
                for name, row in self.states().items()}

    def assert_aws_ok(self, r):
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def assert_aws_error(self, r, code, message=None):
        self.assertEqual(r.returncode, AWS_SERVICE_ERROR, r.stdout + r.stderr)
        self.assertIn(f"An error occurred ({code})", r.stderr)
        if message:
            self.assertIn(message, r.stderr)

    def v1_attributes(self, *identities):
        r = aws(self, "ses", "get-identity-mail-from-domain-attributes", "--identities", *identities)
        self.assert_aws_ok(r)
        return r.json["MailFromDomainAttributes"]

    def v2_mail_from(self, ident):
        r = aws(self, "sesv2", "get-email-identity", "--email-identity", ident)
        self.assert_aws_ok(r)
        return r.json["MailFromAttributes"]

    def relay_log(self):
        with open(self.relay.log_path, errors="replace") as f:
            return f.read()


class SesV1(AdminTest):
    def test_set_identity_mail_from_domain_reaches_policy_d_and_the_envelope(self):
        r = aws(self, "ses", "set-identity-mail-from-domain", "--identity", "example.com",
                "--mail-from-domain", "mail.example.com", "--behavior-on-mx-failure", "RejectMessage")
        self.assert_aws_ok(r)
        self.assertIn(r.json, (None, {}))
        # Written to the file that declares the identity, the other identities kept.
        declared = self.declared()
        self.assertEqual(declared["example.com"]["mail_from_domain"], "mail.example.com")
        self.assertEqual(declared["example.com"]["behavior_on_mx_failure"], "RejectMessage")
        self.assertEqual(set(declared), {"example.com", "billing@example.com", "other.org"})
        self.assertEqual(declared["billing@example.com"]["mail_from_domain"], "bounce.example.com")

        # knotd serves its MX: Success, as the stock CLI sees it.
        wait_until(lambda: self.v1_attributes("example.com")["example.com"]["MailFromDomainStatus"] == "Success",
                   timeout=30, interval=0.3, what="mail.example.com -> Success through the API")
        r = self.swaks("--from", "news@example.com", "--to", "reader@dest.example", "--h-From", "news@example.com",
                       listener="local")
        message_id = accepted_id(r.stdout)
        self.assertIsNotNone(message_id, r.stdout)
        self.assertEqual(self.sink_messages(1)[0]["mail"].split()[0], f"<{message_id}@mail.example.com>")

    def test_get_identity_mail_from_domain_attributes(self):
        self.wait_status("billing@example.com", "Success")
        attributes = self.v1_attributes("billing@example.com", "example.com", "nobody.example.org")
        self.assertEqual(attributes, {
            "billing@example.com": {"MailFromDomain": "bounce.example.com", "MailFromDomainStatus": "Success",
                                    "BehaviorOnMXFailure": "RejectMessage"},
            # No custom MAIL FROM domain: only the behavior, as SES answers. Unknown identities are left out.
            "example.com": {"BehaviorOnMXFailure": "UseDefaultValue"},
        })

    def test_set_without_a_domain_disables_the_custom_mail_from(self):
        self.wait_status("billing@example.com", "Success")
        r = aws(self, "ses", "set-identity-mail-from-domain", "--identity", "billing@example.com")
        self.assert_aws_ok(r)
        billing = self.declared()["billing@example.com"]
        self.assertNotIn("mail_from_domain", billing)
        self.assertEqual(self.v1_attributes("billing@example.com"),
                         {"billing@example.com": {"BehaviorOnMXFailure": "UseDefaultValue"}})
        # The next message from the address gets the regional default.
        r = self.swaks("--from", "billing@example.com", "--to", "x@dest.example", "--h-From", "billing@example.com",
                       listener="local")
        message_id = accepted_id(r.stdout)
        self.assertIsNotNone(message_id, r.stdout)
        self.assertEqual(self.sink_messages(1)[0]["mail"].split()[0], f"<{message_id}@us-west-2.amazonses.com>")

    def test_list_identities(self):
        r = aws(self, "ses", "list-identities")
        self.assert_aws_ok(r)
        self.assertEqual(sorted(r.json["Identities"]), ["billing@example.com", "example.com", "other.org"])
        r = aws(self, "ses", "list-identities", "--identity-type", "EmailAddress")
        self.assert_aws_ok(r)
        self.assertEqual(r.json["Identities"], ["billing@example.com"])
        # One identity per page: the CLI follows NextToken through every page.
        r = aws(self, "ses", "list-identities", "--identity-type", "Domain", "--page-size", "1")
        self.assert_aws_ok(r)
        self.assertEqual(sorted(r.json["Identities"]), ["example.com", "other.org"])

    def test_verify_domain_and_email_identity_then_delete_them(self):
        r = aws(self, "ses", "verify-domain-identity", "--domain", "new.example.org")
        self.assert_aws_ok(r)
        self.assertRegex(r.json["VerificationToken"], r"^[A-Za-z0-9+/=]{20,}$")
        r = aws(self, "ses", "verify-email-identity", "--email-address", "ops@new.example.org")
        self.assert_aws_ok(r)
        # New identities go to the admin API's own file; the operator's file is left alone.
        self.assertEqual(set(self.declared("admin-api.toml")), {"new.example.org", "ops@new.example.org"})
        self.assertEqual(set(self.declared()), {"example.com", "billing@example.com", "other.org"})
        r = aws(self, "ses", "list-identities")
        self.assertEqual(sorted(r.json["Identities"]), ["billing@example.com", "example.com", "new.example.org",
                                                        "ops@new.example.org", "other.org"])
        # Declared: the relay accepts mail from it at once.
        r = self.swaks("--from", "ops@new.example.org", "--to", "x@dest.example", "--h-From", "ops@new.example.org",
                       listener="local")
        self.assertIsNotNone(accepted_id(r.stdout), r.stdout)

        for ident in ("ops@new.example.org", "new.example.org"):
            self.assert_aws_ok(aws(self, "ses", "delete-identity", "--identity", ident))
        self.assertEqual(self.declared("admin-api.toml"), {})
        r = aws(self, "ses", "list-identities")
        self.assertEqual(sorted(r.json["Identities"]), ["billing@example.com", "example.com", "other.org"])
        r = self.swaks("--from", "ops@new.example.org", "--to", "x@dest.example", "--h-From", "ops@new.example.org",
                       listener="local")
        self.assertIn("554 5.7.1 Message rejected: Email address is not verified", r.stdout)


class SesV2(AdminTest):
    def test_put_email_identity_mail_from_attributes_and_get_email_identity(self):
        # A domain without an MX first: PENDING, and it stays so.
        r = aws(self, "sesv2", "put-email-identity-mail-from-attributes", "--email-identity", "example.com",
                "--mail-from-domain", "nomx.example.com", "--behavior-on-mx-failure", "REJECT_MESSAGE")
        self.assert_aws_ok(r)
        self.assertEqual(self.declared()["example.com"]["mail_from_domain"], "nomx.example.com")
        wait_until(lambda: self.states()["example.com"]["lastCheck"], what="the first check of nomx.example.com")
        self.assertEqual(self.v2_mail_from("example.com"), {
            "MailFromDomain": "nomx.example.com", "MailFromDomainStatus": "PENDING",
            "BehaviorOnMxFailure": "REJECT_MESSAGE"})

        r = aws(self, "sesv2", "put-email-identity-mail-from-attributes", "--email-identity", "example.com",
                "--mail-from-domain", "mail.example.com", "--behavior-on-mx-failure", "USE_DEFAULT_VALUE")
        self.assert_aws_ok(r)
        declared = self.declared()["example.com"]
        self.assertEqual((declared["mail_from_domain"], declared["behavior_on_mx_failure"]),
                         ("mail.example.com", "UseDefaultValue"))
        wait_until(lambda: self.v2_mail_from("example.com")["MailFromDomainStatus"] == "SUCCESS", interval=0.3,
                   what="mail.example.com -> SUCCESS through the v2 API")
        r = aws(self, "sesv2", "get-email-identity", "--email-identity", "example.com")
        self.assert_aws_ok(r)
        self.assertEqual(r.json["IdentityType"], "DOMAIN")
        self.assertTrue(r.json["VerifiedForSendingStatus"])
        self.assertEqual(r.json["MailFromAttributes"], {
            "MailFromDomain": "mail.example.com", "MailFromDomainStatus": "SUCCESS",
            "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"})
        # No custom MAIL FROM domain: only the behavior, as SES answers.
        self.assertEqual(self.v2_mail_from("other.org"), {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"})
        self.assert_aws_error(aws(self, "sesv2", "get-email-identity", "--email-identity", "nobody.example.org"),
                              "NotFoundException")

    def test_list_email_identities(self):
        r = aws(self, "sesv2", "list-email-identities")
        self.assert_aws_ok(r)
        self.assertEqual(sorted((i["IdentityName"], i["IdentityType"]) for i in r.json["EmailIdentities"]),
                         [("billing@example.com", "EMAIL_ADDRESS"), ("example.com", "DOMAIN"),
                          ("other.org", "DOMAIN")])

    def test_create_and_delete_email_identity(self):
        r = aws(self, "sesv2", "create-email-identity", "--email-identity", "fresh.example.net")
        self.assert_aws_ok(r)
        self.assertEqual(r.json["IdentityType"], "DOMAIN")
        self.assertTrue(r.json["VerifiedForSendingStatus"])
        self.assertIn("fresh.example.net", self.declared("admin-api.toml"))
        self.assertEqual(self.v2_mail_from("fresh.example.net"), {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"})
        self.assert_aws_error(aws(self, "sesv2", "create-email-identity", "--email-identity", "fresh.example.net"),
                              "AlreadyExistsException")

        self.assert_aws_ok(aws(self, "sesv2", "delete-email-identity", "--email-identity", "fresh.example.net"))
        self.assertNotIn("fresh.example.net", self.declared("admin-api.toml"))
        self.assert_aws_error(aws(self, "sesv2", "get-email-identity", "--email-identity", "fresh.example.net"),
                              "NotFoundException")
        self.assert_aws_error(aws(self, "sesv2", "delete-email-identity", "--email-identity", "fresh.example.net"),
                              "NotFoundException")


class Refusals(AdminTest):
    def setUp(self):
        super().setUp()
        self.wait_status("billing@example.com", "Success")  # settled: only a request could move a state now

    def snapshot(self):
        return self.policy_files(), self.settings(), len([e for e in read_events(self)
                                                          if e["eventType"] == "ConfigReload"])

    def test_invalid_mail_from_domain_is_refused_and_changes_nothing(self):
        before = self.snapshot()
        not_subdomain = "Provided MAIL-FROM domain <mail.other.org> is not subdomain of the domain of the identity"
        for argv, code, message in [
            (["ses", "set-identity-mail-from-domain", "--identity", "example.com",
              "--mail-from-domain", "mail.other.org"], "InvalidParameterValue", not_subdomain + " <example.com>."),
            (["ses", "set-identity-mail-from-domain", "--identity", "billing@example.com",
              "--mail-from-domain", "example.com", "--behavior-on-mx-failure", "UseDefaultValue"],
             "InvalidParameterValue", "is not subdomain"),
            (["ses", "set-identity-mail-from-domain", "--identity", "example.com",
              "--mail-from-domain", "bad_host!.example.com"], "InvalidParameterValue", "is not a valid hostname"),
            (["sesv2", "put-email-identity-mail-from-attributes", "--email-identity", "example.com",
              "--mail-from-domain", "mail.other.org"], "BadRequestException", not_subdomain + " <example.com>."),
            (["sesv2", "put-email-identity-mail-from-attributes", "--email-identity", "billing@example.com",
              "--mail-from-domain=-bounce.example.com", "--behavior-on-mx-failure", "USE_DEFAULT_VALUE"],
             "BadRequestException", "is not a valid hostname"),
        ]:
            with self.subTest(argv=argv):
                self.assert_aws_error(aws(self, *argv), code, message)
        self.assertEqual(self.snapshot(), before)

    def test_wrong_secret_key_gets_403_and_changes_nothing(self):
        before = self.snapshot()
        wrong = "not-the-e2e-secret-access-key-000"
        r = aws(self, "ses", "set-identity-mail-from-domain", "--identity", "example.com",
                "--mail-from-domain", "mail.example.com", secret=wrong)
        self.assert_aws_error(r, "SignatureDoesNotMatch")
        r = aws(self, "sesv2", "put-email-identity-mail-from-attributes", "--email-identity", "billing@example.com",
                secret=wrong)
        self.assert_aws_error(r, "SignatureDoesNotMatch")
        # The same through botocore's signer: the status is 403, the XML names the code.
        body = b"Action=SetIdentityMailFromDomain&Version=2010-12-01&Identity=example.com&MailFromDomain=mail.example.com"
        r = signed_request(self.admin_port, "POST", "/", body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"}, secret=wrong)
        self.assertEqual(r.status, 403, r.text())
        self.assertIn("<Code>SignatureDoesNotMatch</Code>", r.text())
        # An unknown key id, and no signature at all.
        r = signed_request(self.admin_port, "GET", "/v1/status", key_id="AKIAUNKNOWNKEY000000")
        self.assertEqual((r.status, r.json()["code"]), (403, "InvalidClientTokenId"))
        r = request(self.admin_port, "POST", "/", body=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 403, r.text())
        self.assertEqual(self.snapshot(), before)
        # The right key still works (nothing was locked out).
        r = signed_request(self.admin_port, "GET", "/v1/status")
        self.assertEqual(r.status, 200, r.text())

    def test_host_header_not_allowed_is_refused(self):
        before = self.snapshot()
        for host in ["evil.example", f"evil.example:{self.admin_port}", "localhost", f"127.0.0.2:{self.admin_port}"]:
            with self.subTest(host=host):
                r = request(self.admin_port, "GET", "/healthz", headers={"Host": host})
                self.assertEqual(r.status, 421, r.text())
        # Refused before the signature is looked at, however well signed.
        body = b"Action=SetIdentityMailFromDomain&Version=2010-12-01&Identity=example.com&MailFromDomain=mail.example.com"
        r = signed_request(self.admin_port, "POST", "/", body=body,
                           headers={"Host": "rebind.example", "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 421, r.text())
        self.assertIn("MisdirectedRequest", r.text())
        self.assertEqual(self.snapshot(), before)
        # The names a local client uses are fine.
        for host in [f"127.0.0.1:{self.admin_port}", f"localhost:{self.admin_port}", f"LOCALHOST:{self.admin_port}"]:
            with self.subTest(host=host):
                self.assertEqual(request(self.admin_port, "GET", "/healthz", headers={"Host": host}).status, 200)

    def test_body_over_max_body_bytes_gets_413(self):
        before = self.snapshot()
        # Content-Length over the limit: refused on the headers, before any byte of the body is sent.
        for method, target in [("POST", "/"), ("PUT", "/v2/email/identities/example.com/mail-from")]:
            with self.subTest(target=target):
                conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=30)
                try:
                    conn.putrequest(method, target)
                    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
                    conn.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
                    conn.endheaders()
                    res = conn.getresponse()
                    self.assertEqual(res.status, 413)
                    self.assertIn(b"RequestEntityTooLarge" if target == "/" else b"max_body_bytes", res.read())
                finally:
                    conn.close()
        # Chunked: the first chunk already says it is too large.
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=30)
        try:
            conn.putrequest("POST", "/")
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            conn.send(b"%x\r\n" % (MAX_BODY_BYTES + 1))
            res = conn.getresponse()
            self.assertEqual(res.status, 413)
        finally:
            conn.close()
        # Exactly the limit is read (and then refused for want of a signature, not for its size).
        r = request(self.admin_port, "POST", "/", body=b"A" * MAX_BODY_BYTES,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 403, r.text()[:200])
        self.assertEqual(self.snapshot(), before)
        self.assertIsNone(self.relay.poll())


    def test_policy_file_edited_since_the_last_reload_is_not_overwritten(self):
        # A hand edit that does not validate is not loaded (the watcher's reload is refused);
        # the API must not overwrite it either.
        original = self.policy_files()["test.toml"]
        broken = original + b'\n[[identity]]\nname = "edited.example.org"\nmail_from_domain = "mail.other.net"\n'
        with open(self.path("conf", "policy.d", "test.toml"), "wb") as f:
            f.write(broken)
        wait_until(lambda: [e for e in self.events("ConfigReload") if e["configReload"]["result"] == "refused"],
                   what="the watcher's refused reload")
        # (`mfrelay status` refuses the broken file too, so compare the files themselves.)
        before = self.policy_files()
        r = aws(self, "ses", "set-identity-mail-from-domain", "--identity", "example.com",
                "--mail-from-domain", "mail.example.com")
        self.assert_aws_error(r, "InvalidParameterValue", "was changed since the policy was loaded")
        self.assertEqual(self.policy_files(), before)
        # Once the operator fixes the file it is picked up on its own, and the same request goes
        # through, keeping the operator's identity.
        with open(self.path("conf", "policy.d", "test.toml"), "wb") as f:
            f.write(original + b'\n[[identity]]\nname = "edited.example.org"\n')
        wait_until(lambda: "edited.example.org" in self.states(), what="the reload after the fix")
        self.assert_aws_ok(aws(self, "ses", "set-identity-mail-from-domain", "--identity", "example.com",
                               "--mail-from-domain", "mail.example.com"))
        self.assertEqual(set(self.declared()), {"example.com", "billing@example.com", "other.org", "edited.example.org"})

    def test_change_the_reload_refuses_is_not_left_on_disk(self):
        # The main file gets a bad edit that nothing reloads yet (only policy.d is watched). The
        # change itself is valid, but the reload that applies it reads every file and refuses:
        # the client hears why, and policy.d and the states are as they were.
        main = self.path("conf", "mfrelay.toml")
        with open(main) as f:
            good = f.read()
        files, settings = self.policy_files(), self.settings()
        with open(main, "w") as f:
            f.write(good + '\n[bogus_table]\nx = 1\n')
        r = aws(self, "ses", "set-identity-mail-from-domain", "--identity", "example.com",
                "--mail-from-domain", "mail.example.com")
        self.assert_aws_error(r, "InvalidParameterValue", "bogus_table")
        self.assertEqual(self.policy_files(), files)
        self.assertIn("policy.d is put back as it was", self.relay_log())
        # (`mfrelay status` refuses the broken main file too: fix it before asking.)
        with open(main, "w") as f:
            f.write(good)
        self.assertEqual(self.settings(), settings)
        # With the main file fixed, the same request goes through.
        self.assert_aws_ok(aws(self, "ses", "set-identity-mail-from-domain", "--identity", "example.com",
                               "--mail-from-domain", "mail.example.com"))
        self.assertEqual(self.declared()["example.com"]["mail_from_domain"], "mail.example.com")


class Concurrent(AdminTest):
    identities = identity("example.com") + "".join(identity(f"d{i}.example.com") for i in range(8))

    def test_concurrent_changes_all_land(self):
        results = {}

        def set_mail_from(i):
            body = urllib.parse.urlencode({"Action": "SetIdentityMailFromDomain", "Version": "2010-12-01",
                                           "Identity": f"d{i}.example.com",
                                           "MailFromDomain": f"bounce.d{i}.example.com"}).encode()
            r = signed_request(self.admin_port, "POST", "/", body=body,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
            results[i] = r.status if r.status == 200 else (r.status, r.text())

        threads = [threading.Thread(target=set_mail_from, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(results, {i: 200 for i in range(8)})
        declared = self.declared()
        states = self.states()
        for i in range(8):
            self.assertEqual(declared[f"d{i}.example.com"]["mail_from_domain"], f"bounce.d{i}.example.com")
            self.assertEqual(states[f"d{i}.example.com"]["mailFromDomain"], f"bounce.d{i}.example.com")
            self.assertEqual(states[f"d{i}.example.com"]["status"], "Pending")


class SetAgainAfterFailed(AdminTest):
    """A Failed domain is checked no more until its MAIL FROM domain is set again, through the API too."""
    zone_records = [f"mail IN TXT {SPF}"]
    identities = identity("example.com", "mail.example.com")
    verification = {"window": "2s"}

    def test_setting_a_failed_domain_again_restarts_it_at_pending(self):
        failed = wait_until(lambda: self.states()["example.com"]["status"] == "Failed" and self.states()["example.com"],
                            what="mail.example.com -> Failed after the 2s window")
        self.knot.edit("example.com", set_records=[("mail", 60, "MX", "10 " + FEEDBACK)])
        time.sleep(1)
        self.assertEqual(self.states()["example.com"]["lastCheck"], failed["lastCheck"], "Failed is checked no more")
        self.assertEqual(self.v1_attributes("example.com")["example.com"]["MailFromDomainStatus"], "Failed")

        self.assert_aws_ok(aws(self, "ses", "set-identity-mail-from-domain", "--identity", "example.com",
                               "--mail-from-domain", "mail.example.com"))
        self.wait_status("example.com", "Success")
        # The state is stored before its event is written: the events are waited for.
        expected = [(None, "Pending"), ("Pending", "Failed"), ("Failed", "Pending"), ("Pending", "Success")]

        def changes():
            return [(e["mailFromDomainStatusChange"]["previousStatus"], e["mailFromDomainStatusChange"]["status"])
                    for e in read_events(self) if e["eventType"] == "MailFromDomainStatusChange"]
        wait_until(lambda: len(changes()) >= len(expected), timeout=10, what="four status change events")
        self.assertEqual(changes(), expected)


class PublicAndOwnRoutes(AdminTest):
    def test_one_request_id_in_the_header_the_body_and_the_log(self):
        body = urllib.parse.urlencode({"Action": "NoSuchAction", "Version": "2010-12-01"}).encode()
        r = signed_request(self.admin_port, "POST", "/", body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400, r.text())
        request_id = r.headers["x-amzn-requestid"]
        self.assertIn(f"<RequestId>{request_id}</RequestId>", r.text())
        wait_until(lambda: f"POST / -> 400 ({request_id})" in self.relay_log(), what="the request's log line")

    def test_healthz_readyz_and_metrics_need_no_signature(self):
        r = request(self.admin_port, "GET", "/healthz")
        self.assertEqual((r.status, r.body), (200, b"ok\n"))
        r = wait_until(lambda: (lambda r: r if r.status == 200 else None)(request(self.admin_port, "GET", "/readyz")),
                       what="/readyz")
        self.assertEqual(r.body, b"ready\n")
        r = request(self.admin_port, "GET", "/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/plain; version=0.0.4"), r.headers)
        # Everything else needs one.
        for method, target in [("GET", "/v1/status"), ("GET", "/v2/email/identities"),
                               ("GET", "/?Action=ListIdentities&Version=2010-12-01")]:
            with self.subTest(target=target):
                self.assertEqual(request(self.admin_port, method, target).status, 403)

    def test_dns_records_csv_signed(self):
        r = signed_request(self.admin_port, "GET", "/v1/identities/billing%40example.com/dns-records?format=csv")
        self.assertEqual(r.status, 200, r.text())
        self.assertTrue(r.headers["content-type"].startswith("text/csv"), r.headers)
        self.assertEqual(r.text().splitlines(), [
            "Type,Name,Value",
            "MX,bounce.example.com,10 feedback-smtp.us-west-2.amazonses.com",
            'TXT,bounce.example.com,"""v=spf1 include:amazonses.com ~all"""',
        ])
        # The same bytes `mfrelay records` prints offline (RFC 4180: CRLF).
        offline = subprocess.run([MFRELAY, "records", "billing@example.com", "--format", "csv", "-c", self.config],
                                 capture_output=True, timeout=60)
        self.assertEqual(offline.returncode, 0, offline.stderr)
        self.assertEqual(r.body, offline.stdout)
        self.assertTrue(r.body.endswith(b"\r\n"))
        r = signed_request(self.admin_port, "GET", "/v1/identities/billing%40example.com/dns-records")
        self.assertEqual(r.status, 200, r.text())
        self.assertIn("bounce.example.com", r.text())
        json.loads(r.text())
        # Not signed: refused. No MAIL FROM domain or unknown identity: an error, not an empty list.
        r = request(self.admin_port, "GET", "/v1/identities/billing%40example.com/dns-records?format=csv")
        self.assertEqual(r.status, 403)
        r = signed_request(self.admin_port, "GET", "/v1/identities/example.com/dns-records?format=csv")
        self.assertEqual(r.status, 400, r.text())
        r = signed_request(self.admin_port, "GET", "/v1/identities/nobody.example.org/dns-records?format=csv")
        self.assertEqual(r.status, 404, r.text())


class DaemonCli(AdminTest):
    """`mfrelay status`, `explain` and `verify` ask the running daemon. Checks are rare here (1h), so a
    check that happens is one `mfrelay verify` asked for."""
    zone_records = [f"mail IN TXT {SPF}"]  # the MX comes later
    identities = identity("example.com", "mail.example.com") + identity("other.org")
    verification = {"pending_interval": "1h", "success_interval": "1h", "retry_interval": "1s"}

    def test_status_explain_and_verify_talk_to_the_running_daemon(self):
        # The first conclusive check (one that timed out is retried after retry_interval).
        first = wait_until(lambda: "no MX record" in (self.states()["example.com"].get("reason") or "")
                           and self.states()["example.com"], what="the first check of mail.example.com")
        self.assertEqual(first["status"], "Pending")
        self.assertIn("no MX record", first["reason"])
        self.assertRegex(self.relay_log(), r"GET /v1/status -> 200")

        r = run_mfrelay("explain", "--from", "someone@example.com", "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"state:\s+Pending since " + re.escape(first["since"]))
        self.assertRegex(r.stdout, r"envelope sender becomes:\s+<message-id>@us-west-2.amazonses.com")
        self.assertRegex(self.relay_log(), r"GET /v1/explain -> 200")

        # The MX appears; no check is due for an hour, so nothing moves on its own.
        self.knot.edit("example.com", set_records=[("mail", 60, "MX", "10 " + FEEDBACK)])
        time.sleep(1.5)
        self.assertEqual(self.states()["example.com"]["lastCheck"], first["lastCheck"])
        r = run_mfrelay("verify", "example.com", "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("checking example.com now", r.stdout)
        row = wait_until(lambda: self.states()["example.com"]["status"] == "Success" and self.states()["example.com"],
                         timeout=20, what="example.com -> Success after `mfrelay verify`")
        self.assertNotEqual(row["lastCheck"], first["lastCheck"])
        self.assertRegex(self.relay_log(), r"POST /v1/identities/example.com/verify -> 200")
        r = run_mfrelay("explain", "--from", "someone@example.com", "-c", self.config)
        self.assertRegex(r.stdout, r"state:\s+Success since ")
        self.assertRegex(r.stdout, r"envelope sender becomes:\s+<message-id>@mail.example.com")

        # Nothing to check, or no such identity: exit 1.
        r = run_mfrelay("verify", "other.org", "-c", self.config)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("is not checked", r.stdout)
        r = run_mfrelay("verify", "nobody.example.org", "-c", self.config)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("not a declared identity", r.stderr)

    def test_a_cli_with_the_wrong_key_is_refused_by_the_daemon(self):
        wait_until(lambda: self.states()["example.com"]["lastCheck"], what="the first check")
        with open(self.config) as f:
            text = f.read()
        wrong = self.write("conf/wrong-key.toml", text.replace(ADMIN_SECRET, "not-the-e2e-secret-access-key-000"))
        r = run_mfrelay("verify", "example.com", "-c", wrong)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("the daemon answered 403", r.stderr)
        # status falls back to the state store, and says why.
        r = run_mfrelay("status", "--format", "json", "-c", wrong)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("the daemon answered 403", r.stderr)
        self.assertEqual({row["identity"]: row["status"] for row in json.loads(r.stdout)}["example.com"], "Pending")



class CredentialsSesRefuses(AdminTest):
    def test_a_session_token_is_refused_with_the_code_of_each_api(self):
        # mfrelay issues no temporary credentials: a token, signed like the CLI signs one, is not valid.
        token = "IQoJb3JpZ2luX2VjEBogusSessionToken"
        r = aws(self, "ses", "list-identities", session_token=token)
        self.assert_aws_error(r, "InvalidClientTokenId", "The security token included in the request is invalid.")
        r = aws(self, "sesv2", "list-email-identities", session_token=token)
        self.assert_aws_error(r, "UnrecognizedClientException")
        r = signed_request(self.admin_port, "GET", "/v2/email/identities", session_token=token)
        self.assertEqual((r.status, r.headers.get("x-amzn-errortype")), (403, "UnrecognizedClientException"))
        self.assert_aws_ok(aws(self, "sesv2", "list-email-identities"))  # the same key without a token

    def test_a_credential_scoped_to_another_region_is_refused(self):
        r = aws(self, "ses", "list-identities", region="us-east-1")
        self.assert_aws_error(r, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not 'us-east-1'.")
        r = signed_request(self.admin_port, "GET", "/v2/email/identities", region="us-east-1")
        self.assertEqual((r.status, r.headers.get("x-amzn-errortype")), (403, "SignatureDoesNotMatch"))
        self.assert_aws_ok(aws(self, "ses", "list-identities"))


class ErrorBodiesNameNoPaths(AdminTest):
    def test_a_broken_policy_file_is_named_without_its_folder(self):
        with open(self.path("conf", "policy.d", "test.toml"), "a") as f:
            f.write("\n[[identity\n")  # broken by hand, not reloaded
        r = aws(self, "sesv2", "put-email-identity-mail-from-attributes", "--email-identity", "example.com",
                "--mail-from-domain", "mail.example.com")
        self.assert_aws_error(r, "BadRequestException", "test.toml")
        self.assertNotIn(self.path("conf"), r.stderr)
        self.assertNotIn("/policy.d/", r.stderr)
        body = (b"Action=SetIdentityMailFromDomain&Version=2010-12-01&Identity=example.com"
                b"&MailFromDomain=mail.example.com")
        r = signed_request(self.admin_port, "POST", "/", body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400, r.text())
        self.assertNotIn(self.path("conf"), r.text())
        # The full story is in the daemon's log, with the request id.
        request_id = r.headers["x-amzn-requestid"]
        wait_until(lambda: request_id in self.relay_log(), timeout=10, what="the refusal logged")
        line = next(l for l in self.relay_log().splitlines() if request_id in l and "refused" in l)
        self.assertIn(self.path("conf", "policy.d", "test.toml"), line)

    def test_a_name_that_is_not_utf8_is_refused_up_front(self):
        before = self.policy_files()
        body = b"Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=%FF%40example.com"
        r = signed_request(self.admin_port, "POST", "/", body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400, r.text())
        self.assertIn("<Code>InvalidParameterValue</Code>", r.text())
        self.assertIn("&apos;&lt;invalid UTF-8&gt;@example.com&apos; is not valid UTF-8", r.text())
        self.assertNotIn(self.path("conf"), r.text())
        self.assertEqual(self.policy_files(), before)


class MailFromAsTerraformReadsIt(AdminTest):
    def test_an_omitted_behavior_is_use_default_value(self):
        # billing@example.com is RejectMessage; the call replaces the setting, as SES does.
        self.assert_aws_ok(aws(self, "ses", "set-identity-mail-from-domain", "--identity", "billing@example.com",
                               "--mail-from-domain", "bounce.example.com"))
        self.assertEqual(self.v1_attributes("billing@example.com")["billing@example.com"]["BehaviorOnMXFailure"],
                         "UseDefaultValue")
        self.assert_aws_ok(aws(self, "sesv2", "put-email-identity-mail-from-attributes", "--email-identity",
                               "example.com", "--mail-from-domain", "mail.example.com",
                               "--behavior-on-mx-failure", "REJECT_MESSAGE"))
        self.assert_aws_ok(aws(self, "sesv2", "put-email-identity-mail-from-attributes", "--email-identity",
                               "example.com", "--mail-from-domain", "mail.example.com"))
        self.assertEqual(self.v2_mail_from("example.com")["BehaviorOnMxFailure"], "USE_DEFAULT_VALUE")
        self.assertEqual(self.declared()["example.com"]["behavior_on_mx_failure"], "UseDefaultValue")

    def test_the_mail_from_domain_reads_back_as_spelled(self):
        self.assert_aws_ok(aws(self, "sesv2", "put-email-identity-mail-from-attributes", "--email-identity",
                               "example.com", "--mail-from-domain", "MAIL.Example.com"))
        self.assertEqual(self.v2_mail_from("example.com")["MailFromDomain"], "MAIL.Example.com")
        self.assertEqual(self.v1_attributes("example.com")["example.com"]["MailFromDomain"], "MAIL.Example.com")
        self.assertEqual(self.declared()["example.com"]["mail_from_domain"], "MAIL.Example.com")
        # Compared case-insensitively: still the domain knotd answers for, so it verifies.
        self.wait_status("example.com", "Success")


class Tags(AdminTest):
    ARN = "arn:aws:ses:us-west-2:123456789012:identity/tagged.example.com"

    def tags(self):
        r = aws(self, "sesv2", "list-tags-for-resource", "--resource-arn", self.ARN)
        self.assert_aws_ok(r)
        return {t["Key"]: t["Value"] for t in r.json["Tags"]}

    def test_create_with_tags_then_tag_untag_and_they_survive_a_restart(self):
        self.assert_aws_ok(aws(self, "sesv2", "create-email-identity", "--email-identity", "tagged.example.com",
                               "--tags", "Key=env,Value=prod", "Key=team,Value=mail"))
        self.assertEqual(self.tags(), {"env": "prod", "team": "mail"})
        self.assert_aws_ok(aws(self, "sesv2", "tag-resource", "--resource-arn", self.ARN,
                               "--tags", "Key=owner,Value=ops", "Key=env,Value=staging"))
        self.assert_aws_ok(aws(self, "sesv2", "untag-resource", "--resource-arn", self.ARN, "--tag-keys", "team"))
        expected = {"env": "staging", "owner": "ops"}
        self.assertEqual(self.tags(), expected)
        self.assertEqual(self.declared("admin-api.toml")["tagged.example.com"]["tags"], expected)
        r = aws(self, "sesv2", "get-email-identity", "--email-identity", "tagged.example.com")
        self.assertEqual({t["Key"]: t["Value"] for t in r.json["Tags"]}, expected)
        # botocore's signer too, on the raw route.
        r = signed_request(self.admin_port, "GET", "/v2/email/tags?ResourceArn=" + urllib.parse.quote(self.ARN, safe=""))
        self.assertEqual(r.status, 200, r.text())
        self.restart_relay()
        wait_for_port(self.admin_port, proc=self.relay)
        self.assertEqual(self.tags(), expected)
        r = aws(self, "sesv2", "list-tags-for-resource", "--resource-arn",
                "arn:aws:ses:us-west-2:123456789012:identity/unknown.example.com")
        self.assert_aws_error(r, "NotFoundException")


if __name__ == "__main__":
    unittest.main()
