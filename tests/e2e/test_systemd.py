"""The systemd unit (conf/systemd/mfrelay.service): it verifies with
systemd-analyze, and the command lines it runs work with the real binary.
ExecStart under a NOTIFY_SOCKET the test listens on says READY=1 once the
listeners serve, pings the watchdog, answers the unit's ExecReload (SIGHUP)
with RELOADING=1 then READY=1, and SIGTERM with STOPPING=1. The logrotate
snippet (conf/logrotate/mfrelay) rotates the event file under a running relay
and no event line is lost."""
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import MFRELAY, SOURCE_DIR, wait_for_port, wait_until
from relay_fixture import RelayTest

UNIT = os.path.join(SOURCE_DIR, "conf", "systemd", "mfrelay.service")
LOGROTATE = os.path.join(SOURCE_DIR, "conf", "logrotate", "mfrelay")


def read_text(path):
    with open(path) as f:
        return f.read()


def unit_settings(path=UNIT):
    """Key -> list of values, as written in the unit."""
    settings = {}
    for line in read_text(path).splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def add_system_units(root):
    """What `systemd-analyze verify --root` needs besides the unit and its binary:
    the system's own units (the targets it refers to) and ExecReload's kill."""
    shutil.copytree("/usr/lib/systemd/system", os.path.join(root, "usr", "lib", "systemd", "system"),
                    symlinks=True, dirs_exist_ok=True)
    os.makedirs(os.path.join(root, "usr", "bin"), exist_ok=True)
    shutil.copy("/usr/bin/kill", os.path.join(root, "usr", "bin", "kill"))
    if not os.path.lexists(os.path.join(root, "bin")):
        os.symlink("usr/bin", os.path.join(root, "bin"))  # merged /usr, as on Debian


def unit_root(folder, binary):
    """A file system root with the unit and the binary where ExecStart expects it."""
    root = os.path.join(folder, "root")
    add_system_units(root)
    shutil.copy(UNIT, os.path.join(root, "usr", "lib", "systemd", "system"))
    os.makedirs(os.path.join(root, "usr", "sbin"))
    shutil.copy(binary, os.path.join(root, "usr", "sbin", "mfrelay"))
    return root


def systemd_verify(root):
    return subprocess.run(["systemd-analyze", "verify", f"--root={root}", "mfrelay.service"],
                          capture_output=True, text=True, timeout=60)


class UnitFile(unittest.TestCase):
    def test_systemd_analyze_verify_passes(self):
        folder = self.temp_folder()
        r = systemd_verify(unit_root(folder, MFRELAY))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr.strip(), "", "systemd-analyze has remarks on the unit")

    def test_verify_refuses_a_unit_whose_binary_is_missing(self):
        # The check above can fail: without /usr/sbin/mfrelay in the root it does.
        folder = self.temp_folder()
        root = unit_root(folder, MFRELAY)
        os.unlink(os.path.join(root, "usr", "sbin", "mfrelay"))
        r = systemd_verify(root)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("/usr/sbin/mfrelay", r.stderr)

    def test_hardening_and_notify(self):
        s = unit_settings()
        self.assertEqual(s["Type"], ["notify"])
        self.assertEqual(s["CapabilityBoundingSet"], ["CAP_NET_BIND_SERVICE"])
        for key in ("ProtectSystem", "NoNewPrivileges", "WatchdogSec", "User"):
            self.assertIn(key, s)
        self.assertEqual(s["ProtectSystem"], ["strict"])

    def temp_folder(self):
        folder = tempfile.mkdtemp(prefix="mfrelay-unit-")
        self.addCleanup(shutil.rmtree, folder, True)
        return folder


class NotifyProtocol(RelayTest):
    """The unit's own ExecStart and ExecReload, with the test as the service manager."""

    def start_relay(self):
        self.notify_path = self.path("notify.sock")
        if not hasattr(self, "notify"):
            self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.notify.bind(self.notify_path)
            self.notify.settimeout(20)
            self.addCleanup(self.notify.close)
        argv = shlex.split(unit_settings()["ExecStart"][0])
        self.assertEqual(argv[0], "/usr/sbin/mfrelay")
        argv = [MFRELAY] + [self.config if a == "/etc/mfrelay/mfrelay.toml" else a for a in argv[1:]]
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_path, WATCHDOG_USEC="400000")
        self.relay = self.start(argv, env=env)
        for port in self.ports.values():
            wait_for_port(port, proc=self.relay)

    def next_state(self, wanted, within=20.0):
        """Datagrams until one carries `wanted` (WATCHDOG=1 pings in between are skipped); its fields."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            fields = dict(line.split("=", 1) for line in self.notify.recv(4096).decode().splitlines() if "=" in line)
            if wanted in fields:
                return fields
        self.fail(f"no {wanted} from mfrelay within {within}s")

    def test_ready_watchdog_reload_and_stop(self):
        ready = self.next_state("READY")
        self.assertEqual(ready["READY"], "1")
        self.assertIn("serving", ready.get("STATUS", ""))
        # WatchdogSec: pings keep coming from the running loop (WATCHDOG_USEC=400ms -> every 200ms).
        self.next_state("WATCHDOG", within=2)
        self.next_state("WATCHDOG", within=2)

        reload = shlex.split(unit_settings()["ExecReload"][0].replace("$MAINPID", str(self.relay.pid)))
        subprocess.run(reload, check=True, timeout=10)
        reloading = self.next_state("RELOADING")
        self.assertIn("MONOTONIC_USEC", reloading)
        self.assertEqual(self.next_state("READY")["READY"], "1")
        wait_until(lambda: self.events("ConfigReload"), timeout=10, what="ConfigReload event")

        self.relay.send_signal(signal.SIGTERM)
        self.assertEqual(self.next_state("STOPPING")["STOPPING"], "1")
        self.assertEqual(self.relay.wait(timeout=30), 0)

    def test_exec_start_pre_refuses_a_broken_config(self):
        argv = shlex.split(unit_settings()["ExecStartPre"][0])
        argv = [MFRELAY] + [self.config if a == "/etc/mfrelay/mfrelay.toml" else a for a in argv[1:]]
        self.assertEqual(subprocess.run(argv, capture_output=True, timeout=60).returncode, 0)
        with open(self.config) as f:
            text = f.read()
        with open(self.config, "w") as f:
            f.write(text.replace("[delivery]\n", '[delivery]\nmode = "carrier-pigeon"\n', 1))
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("mfrelay.toml:", r.stdout + r.stderr)


class Logrotate(RelayTest):
    """The snippet rotates the event file; its postrotate signal (SIGUSR1 to the main
    process) makes mfrelay write to the new file, so every event lands somewhere."""

    def test_rotation_under_a_running_relay_loses_no_event(self):
        events = self.path("var", "log", "events.jsonl")
        wait_until(lambda: os.path.exists(events) and os.path.getsize(events) > 0, timeout=20, what="first events")
        text = read_text(LOGROTATE)
        self.assertIn("/var/log/mfrelay/events.jsonl", text)
        # The shipped snippet, pointed at this test's file, its postrotate at this process.
        text = text.replace("/var/log/mfrelay/events.jsonl", events)
        text = text.replace("create 0640 mfrelay mfrelay", "create 0640")
        text = "\n".join(f"        kill -USR1 {self.relay.pid}" if "systemctl kill" in line else line
                         for line in text.splitlines()) + "\n"
        self.assertIn(f"kill -USR1 {self.relay.pid}", text)
        conf = self.write("logrotate.conf", text)
        os.chmod(conf, 0o644)
        before = len(self.events())
        r = subprocess.run(["/usr/sbin/logrotate", "--force", "--state", self.path("logrotate.state"), conf],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(events + ".1"), os.listdir(os.path.dirname(events)))
        wait_until(lambda: os.path.exists(events), timeout=10, what="a new event file")
        # An event after the rotation goes to the new file.
        self.relay.send_signal(signal.SIGHUP)
        wait_until(lambda: read_text(events).strip(), timeout=10, what="an event in the new file")
        rotated = [line for line in read_text(events + ".1").splitlines() if line.strip()]
        self.assertGreaterEqual(len(rotated), before)
        self.assertIn("ConfigReload", read_text(events))


if __name__ == "__main__":
    unittest.main()
