"""A running mfrelay with a knotd for its DNS and an smtp-sink as its
smarthost, plus the SMTP clients the tests use (swaks, smtplib)."""
import json
import re
import signal
import smtplib
import ssl
import subprocess

from harness import (MFRELAY, ExitedBeforeListening, TempDirTest, free_port, identity, relay_config, run_mfrelay,
                     wait_for_port, wait_until)
from knot import Knot
from sink import Sink

FEEDBACK = "feedback-smtp.us-west-2.amazonses.com."
# "password" hashed with 1000 iterations (passlib form); cheap for tests.
PASSWORD_HASH = "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$JeuGrMduQwGPGLmo.Qwv7UYtHHmeg9SK49fGkEamC2c"
SWAKS = "/usr/bin/swaks"


class RelayTest(TempDirTest):
    """Subclasses set `zone_records`, `identities`, and may override `extra_config` (tables appended to the
    main file), `events_config` (keys added to [events]) and `verification` ([verification] keys)."""
    zone_records = []
    extra_zones = {}  # more zones for the knotd: {"zone": [records]}
    identities = identity("example.com", "mail.example.com")
    extra_config = ""
    events_config = ""
    verification = None
    sink_options = ()
    app1_password_hash = PASSWORD_HASH

    def setUp(self):
        super().setUp()
        self.knot = Knot(self, {"example.com": list(self.zone_records), **self.extra_zones})
        self.sink = Sink(self, self.sink_options)
        # Another program may still take a port between our pick and the daemon's bind: pick again.
        for attempt in range(3):
            self.configure_relay()
            try:
                self.start_relay()
                return
            except ExitedBeforeListening as e:
                if not e.port_in_use or attempt == 2:
                    raise

    def configure_relay(self):
        self.ports = {"submission": free_port(), "submissions": free_port(), "local": free_port()}
        self.config = relay_config(
            self, dns_server=self.knot.server(), identities=self.identities,
            listeners=[
                {"name": "submission", "address": f"127.0.0.1:{self.ports['submission']}", "tls": "starttls",
                 "auth": "password"},
                {"name": "submissions", "address": f"127.0.0.1:{self.ports['submissions']}", "tls": "implicit",
                 "auth": "password"},
                {"name": "local", "address": f"127.0.0.1:{self.ports['local']}", "tls": "none", "auth": "network"},
            ],
            users=[
                {"name": "app1", "password_hash": self.app1_password_hash, "identities": ["example.com"]},
                {"name": "local-apps", "networks": ["127.0.0.0/8", "::1/128"], "identities": ["*"]},
            ],
            extra=f'[delivery]\nsmarthost = "{self.sink.address()}"\nretry_schedule = ["1s"]\n' + self.extra_config,
            events_extra=self.events_config, verification=self.verification)

    def start_relay(self):
        self.relay = self.start([MFRELAY, "serve", "-c", self.config])
        # The admin server listens after the SMTP listeners: a test may ask it at once.
        for port in [*self.ports.values(), self.admin_port]:
            wait_for_port(port, proc=self.relay)

    def restart_relay(self, sig=signal.SIGTERM):
        self.relay.send_signal(sig)
        self.relay.wait(timeout=30)
        self.start_relay()

    def states(self):
        r = run_mfrelay("status", "--format", "json", "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {row["identity"]: row for row in json.loads(r.stdout)}

    def wait_status(self, ident, status, timeout=30):
        wait_until(lambda: self.states()[ident]["status"] == status, timeout=timeout, what=f"{ident} -> {status}")

    def swaks(self, *args, listener="submission", user="app1", password="password", tls=True):
        argv = [SWAKS, "--server", f"127.0.0.1:{self.ports[listener]}", "--timeout", "30"]
        if listener == "submission" and tls:
            argv.append("-tls")
        if listener == "submissions":
            argv.append("--tlsc")
        if listener != "local" and user:
            argv += ["--auth", "PLAIN", "--auth-user", user, "--auth-password", password]
        r = subprocess.run(argv + list(args), capture_output=True, text=True, timeout=60)
        return r

    def sink_messages(self, count, timeout=30):
        """The sink's dumps once `count` deliveries were acknowledged: the sink finishes a dump
        before it answers 250, so a file read earlier may still be growing."""
        wait_until(lambda: len(self.events("Delivery")) >= count, timeout=timeout, what=f"{count} Delivery events")
        return wait_until(lambda: self.sink.messages() if len(self.sink.messages()) >= count else None,
                          timeout=timeout, what=f"{count} messages at the sink")


def accepted_id(swaks_output):
    m = re.search(r"250 (?:2\.0\.0 )?Ok (\S+-000000)", swaks_output)
    return m.group(1) if m else None


def smtplib_send(port, sender, recipients, message, use_ssl=False, starttls=False, login=None):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if use_ssl:
        client = smtplib.SMTP_SSL("127.0.0.1", port, context=context, timeout=30)
    else:
        client = smtplib.SMTP("127.0.0.1", port, timeout=30)
    with client:
        client.ehlo()
        if starttls:
            client.starttls(context=context)
            client.ehlo()
        if login:
            client.login(*login)
        return client.sendmail(sender, recipients, message)
