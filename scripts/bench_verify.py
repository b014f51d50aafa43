"""scripts/bench verify: how long one full verification pass over N MAIL FROM
domains takes in mfrelay, and the CPU it uses, against dnsperf sending the same
MX and TXT queries to the same knotd. Loopback only; everything started here
is stopped here."""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from bench_common import MFRELAY, cpu_seconds, peak_rss_kib
from harness import free_port, free_udp_tcp_port, stop_process  # tests/e2e, on sys.path through bench_common

FEEDBACK = "feedback-smtp.us-west-2.amazonses.com."


def poll_wait(n, done, elapsed):
    """How long to wait before counting again. The count scans every row (27 ms of CPU at
    10^5 rows here): every 50 ms it took a third of a core from mfrelay on a 2-core machine.
    Wait half the time the rest should take at the rate so far, between 50 ms and 1 s, so
    the end is still seen within 50 ms."""
    if done == 0:
        return 0.25
    return min(1.0, max(0.05, (n - done) * elapsed / done / 2))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    work = tempfile.mkdtemp(prefix="mfrelay-bench-verify-")
    procs = []
    try:
        port = free_udp_tcp_port()
        zone_dir = os.path.join(work, "zones")
        os.makedirs(zone_dir)
        os.makedirs(os.path.join(work, "db"))
        names = [f"mail.d{i:05d}.bench.test" for i in range(n)]
        with open(os.path.join(zone_dir, "bench.test.zone"), "w") as f:
            f.write("$ORIGIN bench.test.\n$TTL 60\n@ IN SOA ns hostmaster 1 3600 600 86400 60\n@ IN NS ns\nns IN A 127.0.0.1\n")
            for i in range(n):
                f.write(f"mail.d{i:05d} IN MX 10 {FEEDBACK}\n")
                f.write(f'mail.d{i:05d} IN TXT "v=spf1 include:amazonses.com ~all"\n')
        with open(os.path.join(work, "knot.conf"), "w") as f:
            f.write(f"""server:
    rundir: "{work}"
    listen: 127.0.0.1@{port}
control:
    listen: "{work}/knot.sock"
database:
    storage: "{work}/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "{zone_dir}"
    file: "%s.zone"
zone:
  - domain: bench.test
""")
        knot = subprocess.Popen(["/usr/sbin/knotd", "-c", os.path.join(work, "knot.conf")])
        procs.append(knot)
        for _ in range(200):
            r = subprocess.run(["/usr/sbin/knotc", "-s", f"{work}/knot.sock", "zone-status"], capture_output=True, text=True)
            if "serial: 1" in r.stdout:
                break
            time.sleep(0.1)

        # The peer: dnsperf sends the same MX and TXT queries once each, 64 in flight.
        queries = os.path.join(work, "queries.txt")
        with open(queries, "w") as f:
            for name in names:
                f.write(f"{name} MX\n{name} TXT\n")
        started = time.monotonic()
        r = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries, "-n", "1", "-q", "64",
                            "-t", "5"], capture_output=True, text=True)
        dnsperf_wall = time.monotonic() - started
        completed = re.search(r"Queries completed:\s+(\d+)", r.stdout)
        qps = re.search(r"Queries per second:\s+([\d.]+)", r.stdout)

        # mfrelay: N domain identities, each with a MAIL FROM domain that has its MX.
        conf = os.path.join(work, "conf")
        os.makedirs(os.path.join(conf, "policy.d"))
        with open(os.path.join(conf, "policy.d", "bench.toml"), "w") as f:
            for i in range(n):
                f.write(f'[[identity]]\nname = "d{i:05d}.bench.test"\nmail_from_domain = "mail.d{i:05d}.bench.test"\n\n')
        with open(os.path.join(conf, "mfrelay.toml"), "w") as f:
            f.write(f"""[relay]
state_dir = "../var"
[[listener]]
name = "local"
address = "127.0.0.1:{free_port()}"
tls = "none"
auth = "network"
[[user]]
name = "local"
networks = ["127.0.0.0/8"]
identities = ["*"]
[dns]
servers = ["127.0.0.1:{port}"]
[verification]
retry_interval = "1s"
concurrency = 64
[events]
file = "../var/events.jsonl"
[admin]
address = "127.0.0.1:{free_port()}"
""")
        started = time.monotonic()
        relay = subprocess.Popen([MFRELAY, "serve", "-c", os.path.join(conf, "mfrelay.toml")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(relay)
        db = os.path.join(work, "var", "state.db")
        success = 0
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            time.sleep(poll_wait(n, success, time.monotonic() - started))
            if not os.path.exists(db):
                continue
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as c:
                    success = c.execute("SELECT count(*) FROM mail_from_state WHERE status = 'Success'").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if success >= n:
                break
        relay_wall = time.monotonic() - started
        relay_cpu = cpu_seconds(relay.pid)
        relay_rss = peak_rss_kib(relay.pid)

        print(f"verification pass over {n} MAIL FROM domains (knotd on 127.0.0.1:{port})")
        print(f"  mfrelay: {success}/{n} Success in {relay_wall:.2f} s wall "
              f"({n / relay_wall:.0f} domains/s, {2 * n / relay_wall:.0f} queries/s), "
              f"CPU {relay_cpu:.2f} s, peak RSS {relay_rss / 1024:.1f} MiB; "
              f"includes start-up, state store writes and {n} status-change events")
        print(f"  dnsperf: {completed.group(1) if completed else '?'}/{2 * n} queries in {dnsperf_wall:.2f} s wall "
              f"({qps.group(1) if qps else '?'} queries/s), the same MX+TXT queries with no processing")
        if qps:
            print(f"  ratio: mfrelay runs at {(2 * n / relay_wall) / float(qps.group(1)):.2f}x dnsperf's query rate")
        return 0 if success >= n else 1
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            stop_process(p)
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
