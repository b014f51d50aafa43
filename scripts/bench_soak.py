"""scripts/bench soak MINUTES: a steady SMTP load through mfrelay for MINUTES
minutes while the DNS under its MAIL FROM domains keeps changing, sampling the
daemon's memory, descriptors and threads to show whether anything grows.

  load:    a pool of Python SMTP clients (asyncio, one process), held to a steady
           --rate (default 150 msg/s) by one shared limiter, one to five
           messages per connection: most over the `network` listener, some with
           AUTH PLAIN over STARTTLS on a `password` listener. The mix: custom
           MAIL FROM identities (accepted, with the custom or the default MAIL
           FROM depending on the state of the moment), RejectMessage identities
           (accepted while Success, 554 MailFromDomainNotVerified otherwise, at
           MAIL or at the end of DATA when only the From header names them), an
           unverified sender (554), a wrong password now and then (535).
           smtp-source cannot do STARTTLS, AUTH or a rate, hence Python.
  DNS:     a private knotd serving the MAIL FROM domains; every --flip seconds
           (default 25) knotc restores the domains broken last time and breaks
           three others (no MX, a second MX, a wrong exchange) and toggles an
           SPF record, so Success <-> TemporaryFailure transitions, their
           events, snapshot swaps and notification mails happen all the time.
           Nothing stays broken for more than one flip, far less than the
           window. One identity is made to reach Failed on purpose: its MAIL
           FROM domains never get an MX, and every window + 2 min the admin API
           (SigV4-signed PutEmailIdentityMailFromAttributes) moves it to the
           other of two domains, back to Pending (a policy write and reload).
  relay:   mfrelay serve, state changes mailed to an operator address (through
           its own spool), smtp-sink as the smarthost (one dump file a minute,
           counted and deleted as the run goes).
  events:  the event file is rotated every --rotate seconds (rename + SIGUSR1,
           as logrotate does), read as it grows, and deleted once read.

Every --sample seconds (default 10) one row: throughput from /metrics, VmRSS
(and its anonymous part), open descriptors, threads and CPU from /proc, spool
depth, sessions, states, and the event file's size. Then a summary: quarter
averages of RSS and descriptors, growth per minute, per-block minima and maxima
(allocator retention levels off, a leak keeps climbing), descriptors at idle
before and after the load, and the check that every accepted message reached
the sink. Loopback only; everything started here is stopped here."""
import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import random
import re
import signal
import ssl
import sys
import time

from bench_common import MFRELAY, Workspace, cpu_seconds
# tests/e2e, on sys.path through bench_common:
from harness import ADMIN_KEY_ID, ADMIN_SECRET, free_port, stop_process, wait_for_port
from knot import Knot
from admin_client import request, signed_request

SMTP_SINK = "/usr/sbin/smtp-sink"
FEEDBACK = "feedback-smtp.us-west-2.amazonses.com."
SPF = '"v=spf1 include:amazonses.com ~all"'
ZONE = "soak.test"
OPS = "ops@ops.soak.example"
# "password" hashed with 1000 iterations (passlib form), as in tests/e2e/relay_fixture.py.
PASSWORD_HASH = "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$JeuGrMduQwGPGLmo.Qwv7UYtHHmeg9SK49fGkEamC2c"

CUSTOM = [f"d{i:02d}.{ZONE}" for i in range(12)]   # UseDefaultValue
REJECTING = [f"r{i:02d}.{ZONE}" for i in range(4)]  # RejectMessage
FLIPPING = CUSTOM + REJECTING                        # their MAIL FROM domains are mail.<identity>
LAPSE = f"lapse.{ZONE}"                              # RejectMessage, never an MX: Pending -> Failed
LAPSE_DOMAINS = [f"m1.{LAPSE}", f"m2.{LAPSE}"]
BREAKS = ["no MX", "second MX", "wrong MX"]


# ---- the load generator (its own process) ---------------------------------------------

# Counters the load generator shares with the sampler (multiprocessing.Array indexes).
C_MESSAGES, C_ACCEPTED, C_REJECTED_MAIL, C_REJECTED_DATA, C_TEMPFAIL, C_ERRORS, C_CONNECTIONS, C_TLS, \
    C_AUTH_FAILED, C_UNEXPECTED = range(10)
COUNTER_NAMES = ["messages", "accepted", "rejected at MAIL", "rejected at DATA", "4xx", "errors", "connections",
                 "STARTTLS+AUTH connections", "AUTH refused (on purpose)", "unexpected replies"]
ACCEPTED_ID = re.compile(rb"^250 (?:2\.0\.0 )?Ok (\S+)")
FILLER = ("The quick brown fox jumps over the lazy dog while the relay keeps its spool honest. " * 80).encode()


def pick_message(rng):
    """(envelope sender, From header) of one message: what the mix is made of."""
    r = rng.random()
    if r < 0.80:  # custom MAIL FROM (UseDefaultValue): always accepted
        d = rng.choice(CUSTOM)
        return f"app@{d}", f"app@{d}"
    if r < 0.90:  # RejectMessage identity: accepted while Success, 554 at MAIL otherwise
        d = rng.choice(REJECTING)
        return f"billing@{d}", f"billing@{d}"
    if r < 0.93:  # envelope from a custom identity, From a RejectMessage one: the decision at the end of DATA
        return f"app@{rng.choice(CUSTOM)}", f"billing@{rng.choice(REJECTING)}"
    if r < 0.96:  # Pending or Failed, RejectMessage: 554 (for AUTH: not allowed, 554 too)
        return f"news@{LAPSE}", f"news@{LAPSE}"
    return "someone@unverified.example", "someone@unverified.example"  # no identity: 554


class Limiter:
    """One slot every 1/rate s, shared by every client; no catch-up after a slow spell."""

    def __init__(self, rate):
        self.interval = 1.0 / rate
        self.next = time.monotonic()

    async def wait(self):
        now = time.monotonic()
        slot = max(now, self.next)
        self.next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class Client:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    async def reply(self):
        lines = []
        while True:
            line = await asyncio.wait_for(self.reader.readline(), 60)
            if not line:
                raise ConnectionError("connection closed")
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                return int(line[:3]), lines[-1]

    async def command(self, text):
        self.writer.write(text.encode() + b"\r\n")
        return await self.reply()


async def session(ports, limiter, rng, counters, ids, stopping, tls_context):
    """One connection, one to five messages, QUIT."""
    auth = rng.random() < 0.15
    counters[C_CONNECTIONS] += 1
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", ports["submission" if auth else "local"]), 30)
    c = Client(reader, writer)
    try:
        if (await c.reply())[0] != 220 or (await c.command("EHLO soak.client"))[0] != 250:
            counters[C_UNEXPECTED] += 1
            return
        if auth:
            counters[C_TLS] += 1
            if (await c.command("STARTTLS"))[0] != 220:
                counters[C_UNEXPECTED] += 1
                return
            await asyncio.wait_for(writer.start_tls(tls_context, server_hostname="mfrelay.soak"), 30)
            if (await c.command("EHLO soak.client"))[0] != 250:
                counters[C_UNEXPECTED] += 1
                return
            wrong = rng.random() < 0.05
            token = base64.b64encode(b"\0app1\0" + (b"not-the-password" if wrong else b"password")).decode()
            code, _ = await c.command(f"AUTH PLAIN {token}")
            if wrong:
                counters[C_AUTH_FAILED] += code == 535
                counters[C_UNEXPECTED] += code != 535
                await c.command("QUIT")
                return
            if code != 235:
                counters[C_UNEXPECTED] += 1
                return
        for _ in range(rng.randint(1, 5)):
            if stopping():
                break
            await limiter.wait()
            counters[C_MESSAGES] += 1
            sender, from_ = pick_message(rng)
            code, _ = await c.command(f"MAIL FROM:<{sender}>")
            if code != 250:
                counters[C_REJECTED_MAIL if code >= 500 else C_TEMPFAIL] += 1
                continue
            rcpts = [f"reader{rng.randint(1, 99)}@dest.example"] + (
                [f"second{rng.randint(1, 99)}@dest.example"] if rng.random() < 0.1 else [])
            for r in rcpts:
                if (await c.command(f"RCPT TO:<{r}>"))[0] != 250:
                    counters[C_UNEXPECTED] += 1
            if (await c.command("DATA"))[0] != 354:
                counters[C_UNEXPECTED] += 1
                await c.command("RSET")
                continue
            size = rng.randint(500, 6000)
            n = counters[C_MESSAGES]
            head = (f"From: <{from_}>\r\nTo: <{rcpts[0]}>\r\nSubject: soak {n}\r\n"
                    f"Message-ID: <{n}.{os.getpid()}@soak.client>\r\n"
                    f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n\r\n").encode()
            body = b"\r\n".join(FILLER[i:i + 76] for i in range(0, size, 76))
            writer.write(head + body + b"\r\n.\r\n")
            code, line = await c.reply()
            if code == 250:
                counters[C_ACCEPTED] += 1
                m = ACCEPTED_ID.match(line)
                if m:
                    ids.write(m.group(1) + b"\n")
                else:
                    counters[C_UNEXPECTED] += 1
            else:
                counters[C_REJECTED_DATA if code >= 500 else C_TEMPFAIL] += 1
        await c.command("QUIT")
    finally:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 5)
        except Exception:
            pass


async def load_main(ports, rate, workers, counters, ids_path, stop_event):
    limiter = Limiter(rate)
    tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls_context.check_hostname = False
    tls_context.verify_mode = ssl.CERT_NONE
    stopping = stop_event.is_set
    with open(ids_path, "wb", buffering=1 << 16) as ids:
        async def worker(seed):
            rng = random.Random(seed)
            while not stopping():
                try:
                    await session(ports, limiter, rng, counters, ids, stopping, tls_context)
                except Exception:
                    counters[C_ERRORS] += 1
                    await asyncio.sleep(0.5)
        await asyncio.gather(*(worker(i) for i in range(workers)))


def load_process(ports, rate, workers, counters, ids_path, stop_event):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it through stop_event
    asyncio.run(load_main(ports, rate, workers, counters, ids_path, stop_event))


# ---- measurements ------------------------------------------------------------------------


def proc_status(pid):
    """{VmRSS, RssAnon, RssFile, Threads} in KiB (Threads: a count)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "Threads", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


TCP_STATES = {"01": "established", "06": "time-wait", "08": "close-wait", "0A": "listen"}


def fd_kinds(pid, workdir):
    """{kind: count} of a process's open descriptors: sockets by protocol and TCP state, files by role."""
    sockets = {}
    for proto in ("tcp", "tcp6", "udp", "udp6", "unix"):
        try:
            with open(f"/proc/{pid}/net/{proto}") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if proto == "unix":
                        sockets[cols[6]] = "unix socket"
                    else:
                        state = TCP_STATES.get(cols[3], cols[3]) if proto.startswith("tcp") else ""
                        sockets[cols[9]] = f"{proto[:3]} {state}".strip()
        except FileNotFoundError:
            pass
    kinds = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            kind = sockets.get(target[8:-1], "socket (other)")
        elif target.startswith("anon_inode:"):
            kind = target
        elif target.startswith("pipe:"):
            kind = "pipe"
        elif target.startswith(workdir):
            rel = os.path.relpath(target, workdir)
            kind = ("spool file" if "/spool/" in rel else re.sub(r"\d+", "N", rel))
        else:
            kind = re.sub(r"\d+", "N", target)
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(port):
    """{(name, frozenset(labels)): value} from GET /metrics."""
    r = request(port, "GET", "/metrics", timeout=10)
    if r.status != 200:
        raise RuntimeError(f"/metrics: {r.status}")
    out = {}
    for line in r.text().split("\n"):
        m = METRIC_LINE.match(line)
        if m:
            out[(m.group(1), frozenset(LABEL.findall(m.group(2) or "")))] = float(m.group(3))
    return out


def metric(values, name, **labels):
    want = set(labels.items())
    return sum(v for (n, ls), v in values.items() if n == name and want <= ls)


# ---- events and sink dumps, read as the run goes --------------------------------------------


class Tally:
    """What the events and the sink's dumps said: ids to reconcile, counts to print."""

    def __init__(self):
        self.send_ids, self.delivery_ids, self.sink_ids = set(), set(), set()
        self.sink_duplicates = self.sink_transactions = self.sink_null_sender = 0
        self.sink_senders = {}
        self.events = {}
        self.decisions = {}
        self.rejects = {}
        self.changes = {}
        self.notification_deliveries = 0
        self.bad_lines = 0

    def event_line(self, line):
        try:
            e = json.loads(line)
        except ValueError:
            self.bad_lines += 1
            return
        kind = e.get("eventType", "?")
        self.events[kind] = self.events.get(kind, 0) + 1
        policy = e.get("policy") or {}
        if kind == "Send":
            self.send_ids.add(e["mail"]["messageId"])
            d = policy.get("decision", "?")
            self.decisions[d] = self.decisions.get(d, 0) + 1
        elif kind == "Delivery":
            if policy.get("decision") == "notification":
                self.notification_deliveries += 1
            else:
                self.delivery_ids.add(e["mail"]["messageId"])
        elif kind == "Reject":
            text = (e.get("reject") or {}).get("reason") or json.dumps(e.get("reject"))[:60]
            self.rejects[text] = self.rejects.get(text, 0) + 1
        elif kind == "MailFromDomainStatusChange":
            c = e["mailFromDomainStatusChange"]
            key = f"{c.get('previousStatus')}->{c.get('status')}"
            self.changes[key] = self.changes.get(key, 0) + 1

    def sink_dump(self, data):
        for sender in re.findall(rb"^X-Mail-Args: <([^>]*)>", data, re.M):
            self.sink_transactions += 1
            if not sender:
                self.sink_null_sender += 1
                continue
            local, _, domain = sender.decode("ascii", "replace").partition("@")
            self.sink_senders[domain] = self.sink_senders.get(domain, 0) + 1
            if local in self.sink_ids:
                self.sink_duplicates += 1
            self.sink_ids.add(local)


class EventReader:
    """Follows the event file: reads what was appended since last time; rotate() moves it away
    (rename + SIGUSR1, as logrotate does), reads the old file to its end and deletes it."""

    def __init__(self, path, tally):
        self.path, self.tally = path, tally
        self.offset = 0
        self.partial = b""
        self.bytes_read = 0
        self.rotations = 0

    def _read(self, path):
        try:
            with open(path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        self.bytes_read += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            if line.strip():
                self.tally.event_line(line)

    def poll(self):
        self._read(self.path)

    def size(self):
        try:
            return os.path.getsize(self.path)
        except FileNotFoundError:
            return 0

    def rotate(self, pid, timeout=10):
        old = self.path + ".1"
        os.rename(self.path, old)
        os.kill(pid, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        # The daemon creates the file again when it reopens (O_CREAT, under its writers' lock):
        # from then on nothing more goes to the old one.
        while not os.path.exists(self.path):
            if time.monotonic() > deadline:
                raise RuntimeError("the event file was not reopened after SIGUSR1")
            time.sleep(0.05)
        self._read(old)
        if self.partial:
            self.tally.event_line(self.partial)
            self.partial = b""
        os.unlink(old)
        self.offset = 0
        self.rotations += 1


def read_sink_dumps(folder, tally, everything=False):
    """Counts and deletes the sink's per-minute dump files that are at least a minute old
    (all of them with everything, once the sink is stopped). smtp-sink -D writes a
    transaction in progress to the minute's name plus a random hex suffix and appends it
    to the minute's file once done: those temporary files are never read."""
    now = time.time()
    fresh = {time.strftime("%Y%m%d%H%M", time.localtime(t)) for t in (now, now - 60, now - 120)}
    for name in sorted(os.listdir(folder)):
        if not re.fullmatch(r"\d{12}", name) or (not everything and name in fresh):
            continue
        path = os.path.join(folder, name)
        with open(path, "rb") as f:
            tally.sink_dump(f.read())
        os.unlink(path)


# ---- DNS that keeps changing --------------------------------------------------------------


class Flipper:
    """Each flip, one knotc transaction: the domains broken by the previous flip get their one
    right MX back, three others get broken (round robin; the kind of break cycles), and one
    domain's SPF record comes or goes (reported, never a state move)."""

    def __init__(self, knot):
        self.knot = knot
        self.broken = []
        self.turn = 0
        self.spf_off = None
        self.flips = 0
        self.counts = {}

    @staticmethod
    def owner(identity):
        return "mail." + identity[: -len(ZONE) - 1]

    def flip(self):
        unset, set_ = [], []
        for ident, how in self.broken:
            if how != "no MX":  # knotc refuses to unset what is not there
                unset.append((self.owner(ident), "MX"))
            set_.append((self.owner(ident), 5, "MX", "10 " + FEEDBACK))
            self.counts["restored"] = self.counts.get("restored", 0) + 1
        self.broken = []
        for k in range(3):
            ident = FLIPPING[(self.turn * 3 + k) % len(FLIPPING)]
            how = BREAKS[(self.turn + k) % len(BREAKS)]
            owner = self.owner(ident)
            if how == "no MX":
                unset.append((owner, "MX"))
            elif how == "second MX":
                set_.append((owner, 5, "MX", f"20 backup.{ZONE}."))
            else:
                unset.append((owner, "MX"))
                set_.append((owner, 5, "MX", "10 mx.elsewhere.example."))
            self.broken.append((ident, how))
            self.counts[how] = self.counts.get(how, 0) + 1
        if self.spf_off:
            set_.append((self.owner(self.spf_off), 5, "TXT", SPF))
            self.spf_off = None
        else:
            self.spf_off = FLIPPING[(self.turn * 5 + 1) % len(FLIPPING)]
            unset.append((self.owner(self.spf_off), "TXT"))
        self.knot.edit(ZONE, set_records=set_, unset_records=unset)
        self.turn += 1
        self.flips += 1


def zone_records():
    records = []
    for ident in FLIPPING:
        owner = Flipper.owner(ident)
        records += [f"{owner} 5 IN MX 10 {FEEDBACK}", f"{owner} 5 IN TXT {SPF}"]
    for domain in LAPSE_DOMAINS:
        records.append(f"{domain[: -len(ZONE) - 1]} 5 IN TXT {SPF}")
    return records


def policy_toml():
    text = ""
    for ident in CUSTOM:
        text += f'[[identity]]\nname = "{ident}"\nmail_from_domain = "mail.{ident}"\n\n'
    for ident in REJECTING:
        text += (f'[[identity]]\nname = "{ident}"\nmail_from_domain = "mail.{ident}"\n'
                 f'behavior_on_mx_failure = "RejectMessage"\n\n')
    text += (f'[[identity]]\nname = "{LAPSE}"\nmail_from_domain = "{LAPSE_DOMAINS[0]}"\n'
             f'behavior_on_mx_failure = "RejectMessage"\n\n')
    return text


def relay_config(ws, ports, sink_port, dns, window):
    users = ", ".join(f'"{i}"' for i in FLIPPING)
    return ws.write("mfrelay/conf/mfrelay.toml", f"""[relay]
hostname = "mfrelay.soak"
region = "us-west-2"
state_dir = "../var"
policy_dir = "policy.d"

[[listener]]
name = "local"
address = "127.0.0.1:{ports['local']}"
tls = "none"
auth = "network"

[[listener]]
name = "submission"
address = "127.0.0.1:{ports['submission']}"
tls = "starttls"
auth = "password"

[[user]]
name = "app1"
password_hash = "{PASSWORD_HASH}"
identities = [{users}]

[[user]]
name = "local-apps"
networks = ["127.0.0.0/8"]
identities = ["*"]

[delivery]
smarthost = "127.0.0.1:{sink_port}"
retry_schedule = ["5s"]

[dns]
servers = ["{dns}"]
timeout = "1s"
tries = 2

[verification]
window = "{window}s"
pending_interval = "2s"
success_interval = "5s"
retry_interval = "2s"

[events]
file = "../var/log/events.jsonl"

[notifications]
email = "{OPS}"

[admin]
address = "127.0.0.1:{ports['admin']}"

[[admin.key]]
access_key_id = "{ADMIN_KEY_ID}"
secret_access_key = "{ADMIN_SECRET}"
""")


def rearm_lapse(admin_port, domain):
    """PutEmailIdentityMailFromAttributes through the admin API: a policy write and reload, back to Pending."""
    body = json.dumps({"MailFromDomain": domain, "BehaviorOnMxFailure": "REJECT_MESSAGE"}).encode()
    r = signed_request(admin_port, "PUT", f"/v2/email/identities/{LAPSE}/mail-from", body=body,
                       headers={"Content-Type": "application/json"})
    if r.status != 200:
        raise RuntimeError(f"PutEmailIdentityMailFromAttributes: {r.status} {r.text()[:300]}")


# ---- the run ----------------------------------------------------------------------------------


def mean(values):
    return sum(values) / len(values) if values else float("nan")


def slope_per_minute(points):
    """Least-squares slope of (seconds, value) points, per minute."""
    if len(points) < 2:
        return float("nan")
    mx, my = mean([p[0] for p in points]), mean([p[1] for p in points])
    den = sum((x - mx) ** 2 for x, _ in points)
    return 60 * sum((x - mx) * (y - my) for x, y in points) / den if den else float("nan")


def wait_all_success(port, count, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        values = scrape(port)
        if metric(values, "mfrelay_identities", state="Success") >= count:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("the MAIL FROM domains did not all become Success: "
                               + str({s: metric(values, "mfrelay_identities", state=s)
                                      for s in ("Pending", "Success", "TemporaryFailure", "Failed")}))
        time.sleep(0.5)


def idle_snapshot(pid, port, workdir):
    values = scrape(port)
    st = proc_status(pid)
    return {"rss": st["VmRSS"], "anon": st["RssAnon"], "threads": st["Threads"], "fds": fd_count(pid),
            "kinds": fd_kinds(pid, workdir), "sessions": metric(values, "mfrelay_smtp_sessions_open"),
            "delivery_connections": metric(values, "mfrelay_delivery_connections")}


HEADER = (f"{'t':>6} {'acc/s':>6} {'rej/s':>6} {'dlv/s':>6} {'cli/s':>6} {'spool':>5} {'sess':>4} "
          f"{'RSS MiB':>8} {'anon':>6} {'fds':>4} {'thr':>3} {'cpu%':>5} {'ev KiB':>7} {'chg':>4} "
          f"{'S/T/P/F':>9}  notes")


def run(args, ws):
    tally = Tally()
    minutes = args.minutes
    window = args.window
    knot = Knot(ws, {ZONE: zone_records()})
    sink_dir = ws.path("sink")
    os.makedirs(sink_dir)
    os.chmod(sink_dir, 0o777)  # smtp-sink drops to nobody
    sink_port = free_port()
    argv = [SMTP_SINK, "-D", os.path.join(sink_dir, "%Y%m%d%H%M")]
    if os.geteuid() == 0:
        argv += ["-u", "nobody"]
    sink = ws.start(argv + [f"127.0.0.1:{sink_port}", "256"])
    wait_for_port(sink_port, proc=sink)

    ports = {"local": free_port(), "submission": free_port(), "admin": free_port()}
    config = relay_config(ws, ports, sink_port, knot.server(), window)
    ws.write("mfrelay/conf/policy.d/soak.toml", policy_toml())
    relay = ws.start([MFRELAY, "serve", "-c", config])
    for port in ports.values():
        wait_for_port(port, proc=relay)
    pid = relay.pid
    workdir = ws.path("mfrelay")
    wait_all_success(ports["admin"], len(FLIPPING))
    events = EventReader(ws.path("mfrelay", "var", "log", "events.jsonl"), tally)
    # Idle: the start-up notifications delivered and their connections to the sink closed.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        values = scrape(ports["admin"])
        if metric(values, "mfrelay_spool_messages") == 0 and metric(values, "mfrelay_delivery_connections") == 0:
            break
        time.sleep(0.5)
    time.sleep(2)
    before = idle_snapshot(pid, ports["admin"], workdir)
    others = {"knotd": knot.proc.pid, "smtp-sink": sink.pid}
    others_cpu = {name: cpu_seconds(p) for name, p in others.items()}

    print(f"soak: {minutes:g} min at {args.rate:g} msg/s ({args.workers} client connections at most, 1-5 messages "
          f"each, 15% STARTTLS+AUTH), DNS flip every {args.flip:g} s, event file rotated every {args.rotate:g} s, "
          f"window {window} s (the lapse identity re-armed every {window + 120} s), a row every {args.sample:g} s",
          flush=True)
    print(f"  mfrelay pid {pid}: {MFRELAY}; knotd {knot.server()}; smtp-sink 127.0.0.1:{sink_port}; "
          f"workspace {ws.dir}", flush=True)
    print(f"  idle before the load: RSS {before['rss'] / 1024:.1f} MiB, {before['fds']} fds, "
          f"{before['threads']} threads", flush=True)
    print(HEADER, flush=True)

    ctx = multiprocessing.get_context("fork")
    counters = ctx.Array("q", len(COUNTER_NAMES), lock=False)
    stop_event = ctx.Event()
    ids_path = ws.path("client-accepted-ids")
    loader = ctx.Process(target=load_process,
                         args=(ports, args.rate, args.workers, counters, ids_path, stop_event), daemon=True)
    flipper = Flipper(knot)
    samples = []
    notes = []
    lapse_turn = 0
    try:
        loader.start()
        start = time.monotonic()
        others["load generator"] = loader.pid
        others_cpu["load generator"] = cpu_seconds(loader.pid)
        end = start + minutes * 60
        next_sample = start + args.sample
        next_flip = start + args.flip
        next_rotate = start + args.rotate
        next_rearm = start + window + 120
        prev = {"t": start, "metrics": scrape(ports["admin"]), "cpu": cpu_seconds(pid),
                "client": counters[C_MESSAGES]}
        while True:
            now = time.monotonic()
            due = min(next_sample, next_flip, next_rotate, next_rearm)
            if due > now:
                time.sleep(due - now)
            now = time.monotonic()
            if relay.poll() is not None:
                raise RuntimeError(f"mfrelay exited with {relay.returncode}")
            if loader.exitcode is not None:
                raise RuntimeError(f"the load generator exited with {loader.exitcode}")
            if now >= next_flip:
                flipper.flip()
                next_flip += args.flip
            if now >= next_rearm:
                lapse_turn += 1
                domain = LAPSE_DOMAINS[lapse_turn % 2]
                rearm_lapse(ports["admin"], domain)
                notes.append(f"{LAPSE} -> {domain} (API)")
                next_rearm += window + 120
            if now >= next_rotate:
                size = events.size()
                events.rotate(pid)
                notes.append(f"rotated {size // 1024} KiB")
                next_rotate += args.rotate
            if now >= next_sample:
                events.poll()
                read_sink_dumps(sink_dir, tally)
                t = time.monotonic()
                values = scrape(ports["admin"])
                st = proc_status(pid)
                cpu = cpu_seconds(pid)
                dt = t - prev["t"]

                def rate(name, **labels):
                    return (metric(values, name, **labels) - metric(prev["metrics"], name, **labels)) / dt

                s = {
                    "t": t - start,
                    "accepted": rate("mfrelay_smtp_transactions_total", outcome="accepted"),
                    "rejected": rate("mfrelay_smtp_transactions_total", outcome="rejected"),
                    "delivered": rate("mfrelay_deliveries_total", result="delivered"),
                    "client": (counters[C_MESSAGES] - prev["client"]) / dt,
                    "spool": metric(values, "mfrelay_spool_messages"),
                    "sessions": metric(values, "mfrelay_smtp_sessions_open"),
                    "rss": st["VmRSS"], "anon": st["RssAnon"], "threads": st["Threads"], "fds": fd_count(pid),
                    "cpu": 100 * (cpu - prev["cpu"]) / dt,
                    "events_kib": events.size() / 1024,
                    "changes": sum(tally.changes.values()),
                    "states": "/".join(str(int(metric(values, "mfrelay_identities", state=s)))
                                       for s in ("Success", "TemporaryFailure", "Pending", "Failed")),
                }
                samples.append(s)
                print(f"{s['t'] / 60:5.1f}m {s['accepted']:6.1f} {s['rejected']:6.1f} {s['delivered']:6.1f} "
                      f"{s['client']:6.1f} {s['spool']:5.0f} {s['sessions']:4.0f} {s['rss'] / 1024:8.1f} "
                      f"{s['anon'] / 1024:6.1f} {s['fds']:4d} {s['threads']:3d} {s['cpu']:5.1f} "
                      f"{s['events_kib']:7.0f} {s['changes']:4d} {s['states']:>9}  {'; '.join(notes)}", flush=True)
                notes = []
                prev = {"t": t, "metrics": values, "cpu": cpu, "client": counters[C_MESSAGES]}
                next_sample += args.sample
                if t >= end:
                    break
        load_seconds = time.monotonic() - start
        for name, p in others.items():  # the CPU the peers used, the load generator's while alive
            others_cpu[name] = (cpu_seconds(p) - others_cpu[name]) / load_seconds
    finally:
        stop_event.set()
        loader.join(timeout=90)
        if loader.is_alive():
            loader.terminate()
            loader.join(timeout=10)

    # Drain: the spool empties, then idle for a moment (delivery connections may close).
    drain_start = time.monotonic()
    while time.monotonic() - drain_start < 300:
        values = scrape(ports["admin"])
        if metric(values, "mfrelay_spool_messages") == 0 and metric(values, "mfrelay_smtp_sessions_open") == 0:
            break
        time.sleep(0.5)
    drained = time.monotonic() - drain_start
    time.sleep(args.idle)
    after = idle_snapshot(pid, ports["admin"], workdir)
    hwm = proc_status(pid)["VmHWM"]
    final_metrics = scrape(ports["admin"])
    relay.send_signal(signal.SIGTERM)
    relay_rc = relay.wait(timeout=60)
    events.poll()
    if events.partial:
        tally.event_line(events.partial)
    time.sleep(1)
    stop_process(sink)
    read_sink_dumps(sink_dir, tally, everything=True)
    knot.stop()
    with open(ids_path, "rb") as f:
        client_ids = {line.strip().decode() for line in f if line.strip()}
    with open(relay.log_path, errors="replace") as f:
        log = f.read()
    return report(args, samples, before, after, hwm, tally, counters, client_ids, flipper, events, final_metrics,
                  load_seconds, drained, relay_rc, log, others_cpu)


def report(args, samples, before, after, hwm, tally, counters, client_ids, flipper, events, final_metrics,
           load_seconds, drained, relay_rc, log, others_cpu):
    ok = True
    total = load_seconds
    quarter = [[s for s in samples if q * total / 4 <= s["t"] < (q + 1) * total / 4 or (q == 3 and s["t"] >= total)]
               for q in range(4)]
    print()
    print(f"summary over {total / 60:.1f} min of load ({len(samples)} samples):")
    client_total = counters[C_MESSAGES]
    print(f"  throughput: {metric(final_metrics, 'mfrelay_smtp_transactions_total', outcome='accepted') / total:.1f} "
          f"accepted/s, {metric(final_metrics, 'mfrelay_deliveries_total', result='delivered') / total:.1f} "
          f"delivered/s (recipients, notifications included), "
          f"{client_total / total:.1f} messages/s offered (target {args.rate:g}); "
          f"CPU in % of one core: mfrelay {mean([s['cpu'] for s in samples]):.1f}, "
          + ", ".join(f"{name} {100 * v:.1f}" for name, v in others_cpu.items()))
    q = [{"rss": mean([s["rss"] for s in x]), "anon": mean([s["anon"] for s in x]),
          "fds": mean([s["fds"] for s in x]), "t": mean([s["t"] for s in x])} for x in quarter]
    span_min = (q[3]["t"] - q[0]["t"]) / 60
    print(f"  RSS:  Q1 {q[0]['rss'] / 1024:.1f} MiB, Q2 {q[1]['rss'] / 1024:.1f}, Q3 {q[2]['rss'] / 1024:.1f}, "
          f"Q4 {q[3]['rss'] / 1024:.1f} MiB; Q1->Q4 {(q[3]['rss'] - q[0]['rss']) / span_min:+.1f} KiB/min, "
          f"Q2->Q4 {(q[3]['rss'] - q[1]['rss']) / ((q[3]['t'] - q[1]['t']) / 60):+.1f} KiB/min; "
          f"peak {hwm / 1024:.1f} MiB")
    print(f"  anon: Q1 {q[0]['anon'] / 1024:.1f} MiB, Q2 {q[1]['anon'] / 1024:.1f}, Q3 {q[2]['anon'] / 1024:.1f}, "
          f"Q4 {q[3]['anon'] / 1024:.1f} MiB (the heap part of RSS); second-half least-squares slope "
          f"{slope_per_minute([(s['t'], s['anon']) for s in quarter[2] + quarter[3]]):+.1f} KiB/min")
    print(f"  fds:  Q1 {q[0]['fds']:.1f}, Q2 {q[1]['fds']:.1f}, Q3 {q[2]['fds']:.1f}, Q4 {q[3]['fds']:.1f} "
          f"(under load, sessions in flight included); Q1->Q4 {(q[3]['fds'] - q[0]['fds']) / span_min:+.2f} fds/min")
    print(f"  threads: min {min(s['threads'] for s in samples)}, max {max(s['threads'] for s in samples)}")
    # Repeated phases: the same load and the same kind of DNS churn in every block, so a
    # block's minimum is the floor the allocator falls back to. Retention levels off, a leak climbs.
    nblocks = 6
    print(f"  per block of {total / nblocks / 60:.1f} min (the same load and DNS churn in each): "
          "RSS min/mean/max MiB, anon min MiB, fds min/max")
    for b in range(nblocks):
        xs = [s for s in samples if b * total / nblocks <= s["t"] < (b + 1) * total / nblocks
              or (b == nblocks - 1 and s["t"] >= total)]
        if xs:
            print(f"    {b * total / nblocks / 60:5.1f}-{(b + 1) * total / nblocks / 60:5.1f} min: "
                  f"{min(s['rss'] for s in xs) / 1024:6.1f} / {mean([s['rss'] for s in xs]) / 1024:6.1f} / "
                  f"{max(s['rss'] for s in xs) / 1024:6.1f}   anon {min(s['anon'] for s in xs) / 1024:6.1f}   "
                  f"fds {min(s['fds'] for s in xs)}/{max(s['fds'] for s in xs)}")
    print(f"  idle before the load: RSS {before['rss'] / 1024:.1f} MiB, {before['fds']} fds, "
          f"{before['threads']} threads, {before['delivery_connections']:.0f} delivery connections")
    print(f"  idle after the load (spool empty after {drained:.1f} s, then {args.idle:g} s): "
          f"RSS {after['rss'] / 1024:.1f} MiB, {after['fds']} fds, {after['threads']} threads, "
          f"{after['delivery_connections']:.0f} delivery connections, {after['sessions']:.0f} sessions")
    kinds = sorted(set(before["kinds"]) | set(after["kinds"]))
    print("  descriptors before -> after: " + ", ".join(
        f"{k} {before['kinds'].get(k, 0)}->{after['kinds'].get(k, 0)}" for k in kinds))

    # The bound: between the centres of Q2 and Q4 (half the run) a leak of b bytes per
    # message adds b * rate * seconds; 5% of RSS is what retention and fragmentation at a
    # steady working set move by (the per-block spread shows it), and catches that b.
    bound = 0.05
    grown = (q[3]["rss"] - q[1]["rss"]) / q[1]["rss"]
    accepted_total = metric(final_metrics, "mfrelay_smtp_transactions_total", outcome="accepted")
    msgs_between = accepted_total * (q[3]["t"] - q[1]["t"]) / total
    detect = bound * q[1]["rss"] * 1024 / msgs_between if msgs_between else float("nan")
    # Descriptors come back when the only difference is connections the daemon keeps on purpose:
    # pooled delivery connections to the smarthost (an idle pool may be kept open).
    pooled = int(after["delivery_connections"] - before["delivery_connections"])
    fd_extra = after["fds"] - before["fds"] - pooled
    rss_flat = grown <= bound
    fds_back = fd_extra <= 0
    verdict = "flat" if rss_flat and fds_back else "GROWING"
    ok &= rss_flat and fds_back
    print(f"verdict: {verdict}: Q4 RSS {grown * 100:+.1f}% vs Q2 (bound {bound * 100:.0f}%, "
          f"{bound * q[1]['rss'] / 1024:.1f} MiB: a leak of {detect:.0f} bytes/message over this run's "
          f"{msgs_between:.0f} messages between Q2 and Q4 would cross it); idle fds {before['fds']} -> "
          f"{after['fds']} ({pooled:+.0f} pooled delivery connections, {fd_extra:+d} other)")

    # Every accepted message at the sink.
    sends = tally.send_ids
    missing = sends - tally.sink_ids
    unknown = tally.sink_ids - sends
    not_logged = client_ids - sends
    undelivered_events = sends - tally.delivery_ids
    print("  client: " + ", ".join(f"{COUNTER_NAMES[i]} {counters[i]}" for i in range(len(COUNTER_NAMES))))
    print("  events: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.events.items()))
          + f"; {events.rotations} rotations (rename + SIGUSR1), {events.bytes_read / 1048576:.1f} MiB read"
          + (f", {tally.bad_lines} unparsable lines" if tally.bad_lines else ""))
    print("  decisions (Send events): " + ", ".join(f"{k} {v}" for k, v in sorted(tally.decisions.items())))
    print("  status changes: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.changes.items()))
          + f"; {flipper.flips} DNS flips (" + ", ".join(f"{k} {v}" for k, v in sorted(flipper.counts.items())) + ")")
    print(f"  sink: {tally.sink_transactions} transactions, {tally.sink_null_sender} from <> (notifications), "
          f"{len(tally.sink_ids)} distinct message ids, {tally.sink_duplicates} duplicates; MAIL FROM domains: "
          + ", ".join(f"{k} {v}" for k, v in sorted(tally.sink_senders.items(), key=lambda kv: -kv[1])[:4])
          + (" ..." if len(tally.sink_senders) > 4 else ""))
    print(f"  notifications: {sum(tally.changes.values())} status changes, {tally.notification_deliveries} "
          f"Delivery events, {tally.sink_null_sender} at the sink")
    delivered_all = not missing and not unknown and not not_logged and tally.sink_duplicates == 0
    ok &= delivered_all and tally.notification_deliveries == tally.sink_null_sender
    print(f"delivery check: {len(client_ids)} accepted (250 at the client), {len(sends)} Send events, "
          f"{len(tally.delivery_ids)} Delivery events, {len(sends & tally.sink_ids)} of them at the sink; "
          f"missing at the sink {len(missing)}, at the sink without a Send event {len(unknown)}, "
          f"250 without a Send event {len(not_logged)}, Send without a Delivery event {len(undelivered_events)}, "
          f"duplicates {tally.sink_duplicates}: {'every accepted message arrived' if delivered_all else 'MISMATCH'}")
    if missing:
        print("  missing, first ids: " + ", ".join(sorted(missing)[:5]))
    problems = [line for line in log.split("\n") if re.match(r"\S+ (warning|error|critical) ", line)]
    shapes = {}
    for line in problems:
        shape = re.sub(r"[0-9a-f-]{20,}", "ID", line.split(" ", 1)[-1])
        shape = re.sub(r"\d+", "N", shape)[:150]
        shapes[shape] = shapes.get(shape, 0) + 1
    print(f"  mfrelay stopped with {relay_rc}; its log: {len(log.splitlines())} lines, "
          f"{len(problems)} warnings/errors" + (":" if problems else ""))
    for shape, n in sorted(shapes.items(), key=lambda kv: -kv[1])[:8]:
        print(f"    {n} x {shape}")
    ok &= relay_rc == 0
    return ok


def main():
    parser = argparse.ArgumentParser(prog="scripts/bench soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("minutes", type=float, help="how long the load runs")
    parser.add_argument("--rate", type=float, default=150, help="messages offered per second (default 150)")
    parser.add_argument("--workers", type=int, default=12, help="client connections at most (default 12)")
    parser.add_argument("--sample", type=float, default=10, help="seconds between rows (default 10)")
    parser.add_argument("--flip", type=float, default=25, help="seconds between DNS edits (default 25)")
    parser.add_argument("--rotate", type=float, default=60, help="seconds between event file rotations (default 60)")
    parser.add_argument("--window", type=int, default=300,
                        help="[verification] window in seconds (default 300; the lapse identity is re-armed "
                             "every window + 120 s)")
    parser.add_argument("--idle", type=float, default=15, help="idle seconds after the drain before the last look")
    parser.add_argument("--dir", default=None, help="where the temp folder goes; default $TMPDIR or /tmp")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, state, spool)")
    args = parser.parse_args()
    if args.window < 2 * args.flip:
        parser.error("--window must be at least twice --flip (a flipping domain is broken for one flip)")
    ws = Workspace("mfrelay-bench-soak-", args.dir)
    ok = False
    try:
        ok = run(args, ws)
    finally:
        ws.close(keep=args.keep)
        if args.keep:
            print(f"kept {ws.dir}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
