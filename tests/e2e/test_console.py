"""The web console (/console/) end to end: headless Debian chromium (selenium) signs in, reads an
identity's page, downloads its CSV record set, changes its MAIL FROM domain and sees it go to Pending,
publishes the records in knotd and sees "Check now" make it Success. Plain HTTP (http.client, no
browser) checks that a change without the CSRF token or without a session is refused, and that the
API does not take the console's cookie. Loopback only; one browser for the class."""
import csv
import http.client
import os
import re
import shutil
import tempfile
import unittest
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import MFRELAY, run_mfrelay, wait_until
from relay_fixture import FEEDBACK, PASSWORD_HASH, RelayTest

SPF = '"v=spf1 include:amazonses.com ~all"'
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# PASSWORD_HASH is "password" (1000 iterations).
CONSOLE_USER = f'[[admin.user]]\nname = "ops"\npassword_hash = "{PASSWORD_HASH}"\n'


def new_browser(profile_dir, download_dir):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--window-size=1200,1400", f"--user-data-dir={profile_dir}",
                # Nothing leaves the machine: every name but loopback fails to resolve.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(arg)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # chromium refuses to run its sandbox as root
    options.add_experimental_option("prefs", {"download.default_directory": download_dir,
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": download_dir})
    return driver


class ConsoleTest(RelayTest):
    zone_records = [f"mail IN MX 10 {FEEDBACK}", f"mail IN TXT {SPF}"]
    identities = '[[identity]]\nname = "example.com"\nmail_from_domain = "mail.example.com"\n\n'
    # Checks only when asked ("Check now") or for a new setting: the states below move only so.
    verification = {"pending_interval": "1h", "success_interval": "1h", "retry_interval": "1h"}
    extra_config = CONSOLE_USER

    @classmethod
    def setUpClass(cls):
        cls.browser_dir = tempfile.mkdtemp(prefix="mfrelay-e2e-chromium-")
        cls.downloads = os.path.join(cls.browser_dir, "downloads")
        os.makedirs(cls.downloads)
        cls.browser = new_browser(os.path.join(cls.browser_dir, "profile"), cls.downloads)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        shutil.rmtree(cls.browser_dir, ignore_errors=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.admin_port}{path}"

    def http(self, method, path, body=None, cookie=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=10)
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
        if cookie:
            headers["Cookie"] = cookie
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        r.text = r.read().decode()
        conn.close()
        return r

    def http_sign_in(self):
        """Signs in without a browser; returns (session cookie, the identity page's CSRF token)."""
        form = self.http("GET", "/console/login")
        login_cookie = form.getheader("Set-Cookie").split(";")[0]
        token = login_cookie.split("=", 1)[1]
        r = self.http("POST", "/console/login", urllib.parse.urlencode(
            {"login_token": token, "user": "ops", "password": "password"}), cookie=login_cookie)
        self.assertEqual(r.status, 303, r.text)
        session = [v for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("mfrelay_console=")][0]
        self.assertIn("HttpOnly", session)
        self.assertIn("SameSite=Strict", session)
        self.assertIn("Path=/console/", session)
        cookie = session.split(";")[0]
        page = self.http("GET", "/console/identities/example.com", cookie=cookie)
        self.assertEqual(page.status, 200)
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text).group(1)
        return cookie, csrf

    def wait_page(self, text):
        """Waits for the page a click loads to show `text` (a click returns before the next page may be there)."""
        wait_until(lambda: text in self.browser.page_source, timeout=15, what=repr(text))

    def page_state(self):
        return self.browser.find_element(By.ID, "state").text

    def test_browser_signs_in_downloads_records_changes_mail_from(self):
        b = self.browser
        # Checks are hourly here: one now, so the published mail.example.com is Success.
        # (`verify` refuses until the daemon is ready: ask until it takes it.)
        wait_until(lambda: run_mfrelay("verify", "example.com", "-c", self.config).returncode == 0, timeout=30,
                   interval=0.3, what="mfrelay verify example.com")
        self.wait_status("example.com", "Success")
        b.get(self.url("/console/"))
        self.assertIn("/console/login", b.current_url)
        b.find_element(By.ID, "user").send_keys("ops")
        b.find_element(By.ID, "password").send_keys("wrong")
        b.find_element(By.ID, "signin").click()
        self.wait_page("Wrong user name or password")
        b.find_element(By.ID, "user").send_keys("ops")
        b.find_element(By.ID, "password").send_keys("password")
        b.find_element(By.ID, "signin").click()
        self.wait_page("<h1>Identities</h1>")
        row = b.find_element(By.CSS_SELECTOR, "table.identities tbody tr").text
        self.assertIn("example.com", row)
        self.assertIn("mail.example.com", row)
        self.assertIn("Success", row)

        b.find_element(By.LINK_TEXT, "example.com").click()
        self.wait_page('id="records"')
        self.assertEqual(self.page_state(), "Success")
        cells = [[td.find_element(By.TAG_NAME, "code").text if td.find_elements(By.TAG_NAME, "code") else td.text
                  for td in tr.find_elements(By.TAG_NAME, "td")]
                 for tr in b.find_elements(By.CSS_SELECTOR, "#records tbody tr")]
        self.assertEqual(cells, [["MX", "mail.example.com", "10 " + FEEDBACK.rstrip(".")],
                                 ["TXT", "mail.example.com", SPF]])
        # With JavaScript on, the copy buttons show (they are hidden in the HTML itself).
        self.assertTrue(all(btn.is_displayed() for btn in b.find_elements(By.CSS_SELECTOR, "button.copy")))

        # The CSV record set, as the browser downloads it: SES's columns, one row per record.
        b.find_element(By.ID, "download-csv").click()
        csv_path = os.path.join(self.downloads, "example.com-records.csv")
        wait_until(lambda: os.path.exists(csv_path) and os.path.getsize(csv_path) > 0, timeout=15,
                   what="the downloaded CSV")
        with open(csv_path, newline="") as f:
            rows = list(csv.reader(f))
        os.remove(csv_path)
        self.assertEqual(rows, [["Type", "Name", "Value"], ["MX", "mail.example.com", "10 " + FEEDBACK.rstrip(".")],
                                ["TXT", "mail.example.com", SPF]])

        # A MAIL FROM domain outside the identity's domain: refused on the page, nothing changed.
        field = b.find_element(By.ID, "mail-from-input")
        field.clear()
        field.send_keys("bounce.other.org")
        b.find_element(By.ID, "save").click()
        self.wait_page('id="errors"')
        self.assertIn("is not subdomain of the domain of the identity", b.find_element(By.ID, "errors").text)
        self.assertEqual(self.states()["example.com"]["mailFromDomain"], "mail.example.com")

        # The new domain has no records yet: Pending.
        field = b.find_element(By.ID, "mail-from-input")
        field.clear()
        field.send_keys("bounce.example.com")
        Select(b.find_element(By.ID, "behavior-select")).select_by_value("REJECT_MESSAGE")
        b.find_element(By.ID, "save").click()
        self.wait_page("Saved.")
        self.assertEqual(b.find_element(By.ID, "mail-from-domain").text, "bounce.example.com")
        self.assertEqual(b.find_element(By.ID, "behavior").text, "REJECT_MESSAGE")
        self.assertEqual(self.page_state(), "Pending")
        row = self.states()["example.com"]
        self.assertEqual((row["mailFromDomain"], row["status"], row["behaviorOnMxFailure"]),
                         ("bounce.example.com", "Pending", "RejectMessage"))

        # Publish what the page says (its zone-file download) in knotd, then "Check now": Success.
        r = self.http("GET", "/console/identities/example.com/records.zone",
                      cookie="mfrelay_console=" + b.get_cookie("mfrelay_console")["value"])
        self.assertEqual(r.status, 200)
        self.assertIn("attachment", r.getheader("Content-Disposition"))
        published = [line.split("\t") for line in r.text.splitlines()]
        self.assertEqual([(name, rtype) for name, _, _, rtype, _ in published],
                         [("bounce.example.com.", "MX"), ("bounce.example.com.", "TXT")])
        self.knot.edit("example.com", set_records=[(name, ttl, rtype, value) for name, ttl, _, rtype, value in published])
        b.find_element(By.ID, "check-now").click()
        self.wait_page("A check of the MAIL FROM domain")

        def success_after_reload():
            b.refresh()
            return self.page_state() == "Success"
        try:
            wait_until(success_after_reload, timeout=30, interval=0.5, what="Success on the identity page")
        except TimeoutError:
            print(b.find_element(By.CSS_SELECTOR, "dl.mail-from").text)
            raise
        history = b.find_element(By.ID, "history").text
        self.assertIn("Pending Success", history)
        self.assertIn("feedback-smtp", history)  # the DNS evidence of the transition

        shot = os.path.join(self.dir, "console-identity.png")
        b.save_screenshot(shot)
        keep = os.path.join(os.path.dirname(os.path.abspath(MFRELAY)), "..", "console-identity.png")
        shutil.copyfile(shot, keep)
        print(f"\nscreenshot of the identity page: {shot} (copy: {os.path.normpath(keep)})")

    def test_changes_need_a_session_and_its_csrf_token(self):
        cookie, csrf = self.http_sign_in()
        change = {"mail_from_domain": "bounce.example.com", "behavior": "USE_DEFAULT_VALUE"}
        no_token = self.http("POST", "/console/identities/example.com/mail-from", urllib.parse.urlencode(change),
                             cookie=cookie)
        self.assertEqual(no_token.status, 403)
        wrong_token = self.http("POST", "/console/identities/example.com/mail-from",
                                urllib.parse.urlencode({**change, "csrf_token": "0" * 64}), cookie=cookie)
        self.assertEqual(wrong_token.status, 403)
        no_session = self.http("POST", "/console/identities/example.com/mail-from",
                               urllib.parse.urlencode({**change, "csrf_token": csrf}))
        self.assertEqual(no_session.status, 403)
        self.assertEqual(self.http("POST", "/console/identities/example.com/check",
                                   urllib.parse.urlencode({"csrf_token": csrf})).status, 403)
        self.assertEqual(self.states()["example.com"]["mailFromDomain"], "mail.example.com")
        # The API takes SigV4 only: the console's cookie opens nothing there.
        self.assertEqual(self.http("GET", "/v2/email/identities", cookie=cookie).status, 403)
        # With both, the change goes through.
        ok = self.http("POST", "/console/identities/example.com/mail-from",
                       urllib.parse.urlencode({**change, "csrf_token": csrf}), cookie=cookie)
        self.assertEqual(ok.status, 303, ok.text)
        self.assertEqual(self.states()["example.com"]["mailFromDomain"], "bounce.example.com")


if __name__ == "__main__":
    unittest.main()
