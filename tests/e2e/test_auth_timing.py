"""A failed AUTH must not tell whether the user name exists: an unknown user and
a real user with a wrong password are answered after the same time. The user's
hash has the default cost (600,000 PBKDF2 iterations, as `mfrelay hash-password`
makes it), so a check that only runs for real users would show as ~100 ms or more."""
import smtplib
import ssl
import statistics
import time
import unittest

from harness import run_mfrelay
from relay_fixture import PASSWORD_HASH, RelayTest, smtplib_send

ATTEMPTS = 9
MAX_DIFFERENCE = 0.020  # seconds, between the two medians, or
MAX_SHARE = 0.10  # of the slower median: a check that runs for real users only differs by about 100%, while
# a sanitizer build on a loaded machine spends ~1 s per failed AUTH and its medians wander by a few percent.


def allowed_difference(unknown, known):
    return max(MAX_DIFFERENCE, MAX_SHARE * max(unknown, known))


def real_cost_hash():
    r = run_mfrelay("hash-password", input="the-real-password\n", check=True)
    return r.stdout.strip()


class AuthTiming(RelayTest):
    def setUp(self):
        self.hash = real_cost_hash()
        super().setUp()

    def start_relay(self):
        # app1 gets a hash of the default cost instead of the fixture's cheap one.
        with open(self.config) as f:
            text = f.read()
        with open(self.config, "w") as f:
            f.write(text.replace(PASSWORD_HASH, self.hash))
        super().start_relay()

    def failed_auth_seconds(self, user, password, implicit_tls):
        """One connection, one AUTH PLAIN that must fail: how long the 535 took."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        if implicit_tls:
            client = smtplib.SMTP_SSL("127.0.0.1", self.ports["submissions"], context=context, timeout=30)
        else:
            client = smtplib.SMTP("127.0.0.1", self.ports["submission"], timeout=30)
        with client:
            client.ehlo()
            if not implicit_tls:
                client.starttls(context=context)
                client.ehlo()
            client.user, client.password = user, password
            started = time.perf_counter()
            # One mechanism only: login() would try PLAIN and then LOGIN (two failures).
            with self.assertRaises(smtplib.SMTPAuthenticationError) as caught:
                client.auth("PLAIN", client.auth_plain)
            elapsed = time.perf_counter() - started
            self.assertEqual(caught.exception.smtp_code, 535)
        return elapsed

    def medians(self, implicit_tls):
        unknown, known = [], []
        for _ in range(ATTEMPTS):  # interleaved, so a slow moment of the machine hits both
            unknown.append(self.failed_auth_seconds("no-such-user", "the-real-password", implicit_tls))
            known.append(self.failed_auth_seconds("app1", "a-wrong-password", implicit_tls))
        return statistics.median(unknown), statistics.median(known)

    def test_unknown_user_and_wrong_password_take_the_same_time_starttls(self):
        # The right password does work (the hash is real, so the comparison above is fair).
        self.assertEqual(smtplib_send(self.ports["submission"], "a@example.com", ["b@example.net"],
                                      "From: a@example.com\r\nSubject: t\r\n\r\nhi\r\n", starttls=True,
                                      login=("app1", "the-real-password")), {})
        unknown, known = self.medians(implicit_tls=False)
        self.assertLess(abs(unknown - known), allowed_difference(unknown, known),
                        f"median failed AUTH: unknown user {unknown * 1000:.1f} ms, "
                        f"known user with a wrong password {known * 1000:.1f} ms")

    def test_unknown_user_and_wrong_password_take_the_same_time_implicit_tls(self):
        unknown, known = self.medians(implicit_tls=True)
        self.assertLess(abs(unknown - known), allowed_difference(unknown, known),
                        f"median failed AUTH: unknown user {unknown * 1000:.1f} ms, "
                        f"known user with a wrong password {known * 1000:.1f} ms")
        self.assertEqual(len(self.events("AuthFailure")), 2 * ATTEMPTS)


if __name__ == "__main__":
    unittest.main()
