"""A private knotd (Knot DNS) on a loopback port, with zones edited live
through knotc, for the end-to-end tests. Started and stopped by the test."""
import os
import subprocess
import time

from harness import free_udp_tcp_port, stop_process

KNOTD = "/usr/sbin/knotd"
KNOTC = "/usr/sbin/knotc"


class Knot:
    def __init__(self, test, zones, port=None):
        """zones: {"example.com": ["mail 300 MX 10 feedback-smtp...."], ...} — extra records
        (relative owner names) on top of SOA and NS."""
        self.test = test
        self.dir = test.path("knot")
        self.port = port or free_udp_tcp_port()
        self.socket = os.path.join(self.dir, "knot.sock")
        os.makedirs(os.path.join(self.dir, "zones"), exist_ok=True)
        os.makedirs(os.path.join(self.dir, "db"), exist_ok=True)  # the journal lives here
        for zone, records in zones.items():
            lines = [
                f"$ORIGIN {zone}.",
                "$TTL 60",
                f"@ IN SOA ns.{zone}. hostmaster.{zone}. 1 3600 600 86400 60",
                f"@ IN NS ns.{zone}.",
                "ns IN A 127.0.0.1",
            ] + list(records)
            with open(os.path.join(self.dir, "zones", f"{zone}.zone"), "w") as f:
                f.write("\n".join(lines) + "\n")
        zone_list = "\n".join(f"  - domain: {z}" for z in zones)
        self.conf = os.path.join(self.dir, "knot.conf")
        with open(self.conf, "w") as f:
            f.write(f"""server:
    rundir: "{self.dir}"
    listen: 127.0.0.1@{self.port}
    background-workers: 1
    udp-workers: 1
    tcp-workers: 1
control:
    listen: "{self.socket}"
database:
    storage: "{self.dir}/db"
log:
  - target: stderr
    any: info
template:
  - id: default
    storage: "{self.dir}/zones"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: changes
zone:
{zone_list}
""")
        self.proc = None
        self.start()

    def start(self):
        self.proc = self.test.start([KNOTD, "-c", self.conf])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("knotd exited: " + open(self.proc.log_path).read())
            r = subprocess.run([KNOTC, "-s", self.socket, "zone-status"], capture_output=True, text=True)
            if r.returncode == 0 and "serial" in r.stdout:
                return
            time.sleep(0.1)
        raise TimeoutError("knotd did not load its zones")

    def stop(self):
        stop_process(self.proc)

    def knotc(self, *args):
        r = subprocess.run([KNOTC, "-s", self.socket, *args], capture_output=True, text=True, timeout=20)
        if r.returncode != 0:
            raise RuntimeError(f"knotc {' '.join(args)}: {r.stdout}{r.stderr}")
        return r.stdout

    def edit(self, zone, set_records=(), unset_records=()):
        """One transaction: set_records are (owner, ttl, type, data); unset_records (owner, type[, data])."""
        self.knotc("zone-begin", zone)
        try:
            for owner, type_, *data in unset_records:
                self.knotc("zone-unset", zone, owner, type_, *data)
            for owner, ttl, type_, data in set_records:
                self.knotc("zone-set", zone, owner, str(ttl), type_, data)
            self.knotc("zone-commit", zone)
        except Exception:
            subprocess.run([KNOTC, "-s", self.socket, "zone-abort", zone], capture_output=True)
            raise

    def server(self):
        return f"127.0.0.1:{self.port}"
