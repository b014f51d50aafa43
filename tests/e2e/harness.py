"""Shared pieces of the end-to-end tests: the real mfrelay binary, temporary
folders, loopback ports, and processes that are always stopped.

Every test runs against real peers on loopback only (127.0.0.1 / ::1) and
cleans up what it started.
"""
import atexit
import json
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

SOURCE_DIR = os.environ.get("MFRELAY_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
MFRELAY = os.environ.get("MFRELAY_BIN", os.path.join(SOURCE_DIR, "build", "relay", "mfrelay"))


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


# Ports below the kernel's ephemeral range: an outgoing connection (of this test or of one running
# beside it) never takes one of these as its source port between our check and the daemon's bind.
_PORT_LOW = 10000
_PORT_HIGH = max(_PORT_LOW + 1000, _ephemeral_low())
_handed_out = set()
# Ports handed out to any test process on this machine, one file each: tests
# running side by side (ctest -j) pick from the same range, and one must never
# get a port another picked a moment ago and has not bound yet. Removed at exit;
# a file older than an hour is from a run that died and no longer counts.
_CLAIMS = os.path.join(tempfile.gettempdir(), "mfrelay-test-ports")
_claimed = []


def _release_claims():
    for path in _claimed:
        try:
            os.unlink(path)
        except OSError:
            pass


atexit.register(_release_claims)


def _claim(port):
    os.makedirs(_CLAIMS, exist_ok=True)
    path = os.path.join(_CLAIMS, str(port))
    for _ in range(2):
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            _claimed.append(path)
            return True
        except FileExistsError:
            try:
                if time.time() - os.stat(path).st_mtime < 3600:
                    return False
                os.unlink(path)
            except OSError:
                return False
    return False


def free_port(host="127.0.0.1"):
    """A loopback port below the ephemeral range that was free just now (closed again for the caller
    to bind), never handed out twice while the test processes that got it run."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(1000):
        port = random.randrange(_PORT_LOW, _PORT_HIGH)
        if port in _handed_out:
            continue
        with socket.socket(family, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
        if not _claim(port):
            continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free loopback port")


def free_udp_tcp_port(host="127.0.0.1"):
    """A port free for both UDP and TCP (DNS servers listen on both)."""
    for _ in range(50):
        port = free_port(host)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind((host, port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free UDP+TCP port")


class ExitedBeforeListening(RuntimeError):
    """The process ended before its port answered; the message carries the end of its log."""

    def __init__(self, proc, host, port):
        tail = ""
        if getattr(proc, "log_path", None):
            with open(proc.log_path, errors="replace") as f:
                tail = f.read()[-4000:]
        self.port_in_use = "Address already in use" in tail
        super().__init__(f"process exited with {proc.returncode} before listening on {host}:{port}; its log ends:\n{tail}")


def wait_for_port(port, host="127.0.0.1", timeout=20.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ExitedBeforeListening(proc, host, port)
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def wait_until(predicate, timeout=30.0, interval=0.1, what="condition"):
    """predicate()'s first true value. An OSError from it (a file or socket of a
    process that is still starting, rotating or closing) is asked again; when it
    lasts until the timeout, it is the error reported."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except OSError as e:
            last = e
        else:
            if last:
                return last
        time.sleep(interval)
    if isinstance(last, OSError):
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}") from last
    raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


# What AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer print when
# they find something (only a `scripts/test --sanitize` build has them).
SANITIZER_REPORT = re.compile(r"==\d+==ERROR: \w+Sanitizer|^\S+:\d+:\d+: runtime error: |SUMMARY: \w+Sanitizer",
                              re.MULTILINE)


def sanitizer_report(text):
    """The sanitizer report in a process's output, from its first line, or None."""
    m = SANITIZER_REPORT.search(text)
    return text[text.rfind("\n", 0, m.start()) + 1:][:20000] if m else None


def run_mfrelay(*args, input=None, check=False, timeout=60):
    r = subprocess.run([MFRELAY, *args], input=input, capture_output=True, text=True, timeout=timeout)
    report = sanitizer_report(r.stderr)
    if report:
        raise AssertionError(f"mfrelay {' '.join(args)}: sanitizer report:\n{report}")
    if check:
        r.check_returncode()
    return r


class ProcessFolder:
    """A folder of one's own (`self.dir`) and the processes started in it (`self.processes`), each
    writing its output to a log file there. What Knot and Sink expect of their owner: TempDirTest
    here, the scripts/bench_* workspaces (scripts/bench_common.py)."""

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, relative, text):
        full = self.path(relative)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
        return full

    def start(self, argv, **kwargs):
        log = open(self.path(os.path.basename(argv[0]) + f"-{len(self.processes)}.log"), "w")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        log.close()  # the child holds its own copy
        proc.log_path = log.name
        self.processes.append(proc)
        return proc

    def stop_processes(self):
        """Stops them all, the last started first."""
        for proc in reversed(self.processes):
            stop_process(proc)


class TempDirTest(ProcessFolder, unittest.TestCase):
    """A test case with a fresh temporary folder and a list of processes stopped on tear-down."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mfrelay-e2e-")
        self.processes = []
        # A cleanup, not tearDown: it also runs when a subclass's setUp fails half-way
        # (knotd or smtp-sink started, mfrelay not), so nothing is left running.
        self.addCleanup(self.clean_up)

    def events(self, kind=None):
        """The daemon's events so far (var/log/events.jsonl), of one eventType when `kind` is given."""
        return [e for e in read_events(self) if kind is None or e["eventType"] == kind]

    def clean_up(self):
        self.stop_processes()
        # A sanitized daemon that found a bug aborts (or, for a leak, reports at exit):
        # its log says so, and the test fails even when everything else passed.
        reports = []
        for proc in self.processes:
            if not hasattr(proc, "log_path"):
                continue  # started by the test itself, output not kept
            with open(proc.log_path, errors="replace") as f:
                report = sanitizer_report(f.read())
            if report:
                reports.append(f"{' '.join(proc.args)} ({proc.log_path}):\n{report}")
        if os.environ.get("MFRELAY_KEEP_TMP"):
            print(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if reports:
            self.fail("sanitizer report:\n" + "\n".join(reports))


def stop_process(proc, timeout=10):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rss_kib(pid):
    """The process's resident set size (VmRSS), KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


ADMIN_KEY_ID = "AKIAMFRELAYE2ETEST01"
ADMIN_SECRET = "e2e-secret-access-key-0123456789"


def relay_config(test, dns_server=None, identities="", users=None, listeners=None, extra="", verification=None,
                 admin_keys=True, events_extra=""):
    """Writes conf/mfrelay.toml and conf/policy.d/test.toml under the test's folder; returns the main path.
    events_extra: more keys for [events] (a table `extra` cannot reopen), e.g. 'syslog = "udp:127.0.0.1:5514"'."""
    listeners = listeners if listeners is not None else [
        {"name": "local", "address": f"127.0.0.1:{free_port()}", "tls": "none", "auth": "network"}]
    users = users if users is not None else [
        {"name": "local-apps", "networks": ["127.0.0.0/8", "::1/128"], "identities": ["*"]}]
    verification = verification or {}
    lines = ["[relay]", 'hostname = "mfrelay.test"', 'region = "us-west-2"', 'state_dir = "../var"',
             'policy_dir = "policy.d"', ""]
    for l in listeners:
        lines.append("[[listener]]")
        lines += [f'{k} = "{v}"' for k, v in l.items()]
        lines.append("")
    for u in users:
        lines.append("[[user]]")
        for k, v in u.items():
            lines.append(f"{k} = " + (toml_list(v) if isinstance(v, list) else f'"{v}"'))
        lines.append("")
    lines += ["[dns]", f"servers = {toml_list([dns_server] if dns_server else [])}", 'timeout = "500ms"', "tries = 1", ""]
    lines.append("[verification]")
    defaults = {"window": "72h", "pending_interval": "300ms", "success_interval": "300ms", "retry_interval": "300ms"}
    defaults.update(verification)
    lines += [f'{k} = "{v}"' for k, v in defaults.items()]
    lines += ["", "[events]", 'file = "../var/log/events.jsonl"', events_extra, ""]
    # Every test daemon gets its own admin port (the default 8025 would collide).
    test.admin_port = free_port()
    lines += ["[admin]", f'address = "127.0.0.1:{test.admin_port}"', ""]
    if admin_keys:
        lines += ["[[admin.key]]", f'access_key_id = "{ADMIN_KEY_ID}"', f'secret_access_key = "{ADMIN_SECRET}"', ""]
    lines.append(extra)
    main = test.write("conf/mfrelay.toml", "\n".join(lines) + "\n")
    test.write("conf/policy.d/test.toml", identities)
    return main


def toml_list(values):
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def identity(name, mail_from=None, behavior=None):
    text = f'[[identity]]\nname = "{name}"\n'
    if mail_from:
        text += f'mail_from_domain = "{mail_from}"\n'
    if behavior:
        text += f'behavior_on_mx_failure = "{behavior}"\n'
    return text + "\n"


def read_events(test):
    """Every complete line of the events file. A line still being written is left
    for later: one writev is not atomic for a reader, and a line may cross a page."""
    path = test.path("var", "log", "events.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        text = f.read()
    text = text[:text.rfind("\n") + 1]
    return [json.loads(line) for line in text.splitlines() if line.strip()]
