"""The offline subcommands of the real binary: check, records, explain,
hash-password, --help."""
import os
import re
import shutil
import unittest

from harness import SOURCE_DIR, TempDirTest, run_mfrelay

class SampleConfig(TempDirTest):
    """The sample configuration, copied so its state_dir (../var) is private to the test."""

    def setUp(self):
        super().setUp()
        shutil.copytree(os.path.join(SOURCE_DIR, "conf"), self.path("conf"))
        self.sample = self.path("conf", "mfrelay.toml")

    def test_check_accepts_the_sample(self):
        r = run_mfrelay("check", "-c", self.sample)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OK", r.stdout)

    def test_records_csv_prints_mx_and_txt(self):
        r = run_mfrelay("records", "example.com", "--format", "csv", "-c", self.sample)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), [
            "Type,Name,Value",
            "MX,mail.example.com,10 feedback-smtp.us-west-2.amazonses.com",
            'TXT,mail.example.com,"""v=spf1 include:amazonses.com ~all"""',
        ])

    def test_records_zone_is_fully_qualified(self):
        r = run_mfrelay("records", "Example.COM.", "--format", "zone", "-c", self.sample)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("mail.example.com.\t3600\tIN\tMX\t10 feedback-smtp.us-west-2.amazonses.com.", r.stdout)
        self.assertIn('mail.example.com.\t3600\tIN\tTXT\t"v=spf1 include:amazonses.com ~all"', r.stdout)

    def test_records_of_unknown_identity_fails(self):
        r = run_mfrelay("records", "nobody.org", "-c", self.sample)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a declared identity", r.stderr)

    def test_explain_names_identity_state_sender_and_why(self):
        r = run_mfrelay("explain", "--from", "someone@example.com", "-c", self.sample)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"identity:\s+example.com \(domain")
        self.assertRegex(r.stdout, r"state:\s+Pending \(assumed: .*state.db does not exist yet")
        self.assertRegex(r.stdout, r"envelope sender becomes:\s+<message-id>@us-west-2.amazonses.com")
        self.assertRegex(r.stdout, r"why:\s+MAIL FROM domain mail.example.com of identity example.com is in state Pending")

    def test_explain_reject_message_prints_the_reply(self):
        r = run_mfrelay("explain", "--from", "billing@example.com", "--user", "app1", "-c", self.sample)
        self.assertEqual(r.returncode, 1)
        self.assertIn("554 5.7.1 Message rejected: MailFromDomainNotVerified", r.stdout)

    def test_explain_user_allowed_through_the_domain(self):
        r = run_mfrelay("explain", "--from", "x@example.com", "--user", "app1", "-c", self.sample)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertRegex(r.stdout, r"decision:\s+default")

    def test_every_command_has_help(self):
        for command in ["serve", "check", "records", "explain", "hash-password"]:
            r = run_mfrelay(command, "--help")
            self.assertEqual(r.returncode, 0, command)
            self.assertIn("usage: mfrelay " + command, r.stdout)
        r = run_mfrelay("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("records", r.stdout)

    def test_unknown_option_is_a_usage_error(self):
        r = run_mfrelay("records", "example.com", "--colour", "red")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown option --colour", r.stderr)


class BrokenConfig(TempDirTest):
    def setUp(self):
        super().setUp()
        shutil.copytree(os.path.join(SOURCE_DIR, "conf"), self.path("conf"))
        self.main = self.path("conf", "mfrelay.toml")

    def test_mail_from_outside_identity_is_reported_with_position(self):
        self.write("conf/policy.d/zz.toml", '[[identity]]\nname = "other.org"\nmail_from_domain = "mail.example.com"\n')
        r = run_mfrelay("check", "-c", self.main)
        self.assertEqual(r.returncode, 1)
        self.assertIn(self.path("conf", "policy.d", "zz.toml") + ":3:1: Provided MAIL-FROM domain mail.example.com "
                      "is not subdomain of the domain of the identity other.org.", r.stderr)

    def test_explain_refuses_a_user_sending_as_another_identity(self):
        self.write("conf/policy.d/zz.toml", '[[identity]]\nname = "other.org"\n')
        r = run_mfrelay("explain", "--from", "ceo@other.org", "--user", "app1", "-c", self.main)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("554 5.7.1 Access denied: User app1 is not authorized to perform ses:SendRawEmail on resource "
                      "identity/other.org", r.stdout)

    def test_syntax_error_has_line_and_column(self):
        self.write("conf/policy.d/zz.toml", '[[identity]]\nname = "other.org\n')
        r = run_mfrelay("check", "-c", self.main)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, re.escape(self.path("conf", "policy.d", "zz.toml")) + r":2:\d+: ")

    def test_unknown_key_and_bad_value_in_main_file(self):
        with open(self.main) as f:
            text = f.read()
        text = text.replace('region = "us-west-2"', 'region = "US West"\ncolour = "blue"')
        with open(self.main, "w") as f:
            f.write(text)
        r = run_mfrelay("check", "-c", self.main)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, re.escape(self.main) + r":6:1: \[relay\] region: region 'US West' must be")
        self.assertRegex(r.stderr, re.escape(self.main) + r":7:1: \[relay\]: unknown key 'colour'")

    def test_route_to_an_unknown_smarthost_is_reported_with_position(self):
        with open(self.main) as f:
            lines = f.read().count("\n")
        with open(self.main, "a") as f:
            f.write('\n[[route]]\ndomain = "partner.example"\nvia = "partnr"\n')
        r = run_mfrelay("check", "-c", self.main)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, re.escape(self.main) + f":{lines + 2}:1: route for 'partner.example': "
                         "via = 'partnr' is neither \"mx\" nor the name of a \\[\\[smarthost\\]\\]")


class HashPassword(unittest.TestCase):
    def test_hash_is_salted_and_self_describing(self):
        a = run_mfrelay("hash-password", "--iterations", "1000", input="secret\n")
        b = run_mfrelay("hash-password", "--iterations", "1000", input="secret\n")
        self.assertEqual(a.returncode, 0, a.stderr)
        self.assertRegex(a.stdout.strip(), r"^\$pbkdf2-sha256\$1000\$[A-Za-z0-9./]+\$[A-Za-z0-9./]{43}$")
        self.assertNotEqual(a.stdout, b.stdout)

    def test_empty_password_is_refused(self):
        r = run_mfrelay("hash-password", input="\n")
        self.assertEqual(r.returncode, 1)


if __name__ == "__main__":
    unittest.main()
