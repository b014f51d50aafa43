"""scripts/bench smtp: SMTP throughput of mfrelay against a private Postfix
instance, in one run, with the same load: Postfix's smtp-source sends N
messages of SIZE bytes over SESSIONS parallel sessions, and an smtp-sink as
each relay's next hop counts them in.

  mfrelay: a `network` listener; the sender's identity has a custom MAIL FROM
           domain made Success by a private knotd, so every message goes
           through the policy decision and leaves with <id>@mail.bench.test.
           The spool keeps its contract: 250 only once file and directory
           are fsynced.
  Postfix: its own config, queue and data directories under the temp folder,
           defaults everywhere (its queue files are fsynced too) except what
           a relay on loopback needs, and sender_canonical_maps (regexp)
           rewriting every envelope sender to one bounce address: the
           nearest Postfix equivalent of the MAIL FROM rewrite.

With --dkim, mfrelay runs a second time with the identity signing every
message (Easy DKIM, RSA 2048, its records served by the same knotd): the
signing cost is the difference in CPU per message between the two runs.

Two rates per relay: accepted (N / smtp-source's wall time: every message got
its 250) and end to end (N / time until the sink has all N). Loopback only;
everything started here is stopped here."""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from bench_common import MFRELAY, Workspace, context_switches, cpu_seconds, peak_rss_kib, proc_stat, thread_count
from harness import free_port, stop_process, wait_for_port  # tests/e2e, on sys.path through bench_common
from knot import Knot
import private_postfix  # tests/e2e

SMTP_SOURCE = "/usr/sbin/smtp-source"
SMTP_SINK = "/usr/sbin/smtp-sink"
FEEDBACK = "feedback-smtp.us-west-2.amazonses.com."
SENDER = "app@bench.test"
BOUNCE = "bounce@bounce.bench.test"


# ---- measurements ------------------------------------------------------------------


def tree_pids(root_pid):
    """root_pid and every live descendant."""
    kids = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                kids.setdefault(int(proc_stat(entry)[1]), []).append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                pass
    pids, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += kids.get(pid, [])
    return pids


def tree_cpu_seconds(root_pid):
    """CPU of a process tree: each live process's own and its reaped children's."""
    total = 0.0
    for pid in tree_pids(root_pid):
        try:
            total += cpu_seconds(pid, children=True)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def tree_context_switches(root_pid):
    """Context switches of a process tree's live processes (a Postfix process that
    exits during the run takes its count with it: a lower bound)."""
    return sum(context_switches(pid) for pid in tree_pids(root_pid))


def start_sink(ws, name, n=None):
    """An smtp-sink that appends every transaction to one dump file and exits after
    the n-th message (when n is given): its exit is the end-to-end finish line."""
    port = free_port()
    folder = ws.path(name)
    os.makedirs(folder)
    os.chmod(folder, 0o777)  # smtp-sink drops to nobody
    argv = [SMTP_SINK, "-D", os.path.join(folder, "dump")] + (["-M", str(n)] if n else [])
    if os.geteuid() == 0:
        argv += ["-u", "nobody"]
    sink = ws.start(argv + [f"127.0.0.1:{port}", "1024"])
    sink.dump = os.path.join(folder, "dump")
    wait_for_port(port, proc=sink)
    return sink, port


def envelope_senders(dump):
    """{envelope sender, with mfrelay's message ids shown as ID: count} from a sink dump."""
    counts = {}
    if not os.path.exists(dump):
        return counts
    with open(dump, "rb") as f:
        for line in f:
            if line.startswith(b"X-Mail-Args: "):
                sender = line.split()[1].decode("ascii", "replace")
                shape = re.sub(r"^<0100[0-9a-f-]+-000000@", "<ID@", sender)
                counts[shape] = counts.get(shape, 0) + 1
    return counts


def signed_messages(dump):
    """How many messages in a sink dump carry a DKIM-Signature header field."""
    if not os.path.exists(dump):
        return 0
    with open(dump, "rb") as f:
        return sum(1 for line in f if line.startswith(b"DKIM-Signature:"))


def publish_dkim_records(knot, config):
    """The identity's DKIM records, as `mfrelay records` prints them, served by knotd."""
    r = subprocess.run([MFRELAY, "records", "bench.test", "--format", "json", "-c", config],
                       capture_output=True, text=True, check=True)
    records = [x for x in json.loads(r.stdout) if "._domainkey." in x["name"]]
    if not records:
        raise RuntimeError(f"mfrelay records printed no DKIM records: {r.stdout}")
    knot.edit("bench.test", set_records=[(x["name"] + ".", 60, x["type"], x["value"]) for x in records])


def drive(port, sink, args, timeout):
    """smtp-source against port; returns (seconds until every message had its 250,
    seconds until the sink had all of them; None without a sink to wait for)."""
    argv = [SMTP_SOURCE, "-s", str(args.sessions), "-m", str(args.messages), "-l", str(args.size),
            "-f", SENDER, "-t", "reader@dest.example", "-S", "bench"]
    if args.reuse:
        argv.append("-d")
    started = time.monotonic()
    r = subprocess.run(argv + [f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=timeout)
    accepted = time.monotonic() - started
    if r.returncode != 0:
        raise RuntimeError(f"smtp-source failed ({r.returncode}): {r.stderr.strip()}")
    if sink is None:
        return accepted, None
    try:
        sink.wait(timeout=max(1.0, timeout - accepted))
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the sink did not get all {args.messages} messages within {timeout} s")
    return accepted, time.monotonic() - started


def run_direct(ws, args):
    """No relay: smtp-source straight into an smtp-sink, the load generator's ceiling.
    The sink's own CPU is what merely receiving a message (and appending it to a
    file, no fsync) costs a small event-driven SMTP server on this machine right
    now: a relay receives every message too, and sends it on."""
    sink, sink_port = start_sink(ws, "direct-sink")
    cpu_before = cpu_seconds(sink.pid)
    accepted, _ = drive(sink_port, None, args, args.timeout)
    return {"accepted": accepted, "end_to_end": accepted, "cpu": cpu_seconds(sink.pid) - cpu_before,
            "senders": envelope_senders(sink.dump)}


# ---- mfrelay -------------------------------------------------------------------------


def run_mfrelay(ws, args, dkim=False):
    """dkim: the identity signs with Easy DKIM (RSA 2048), its records published in knotd."""
    knot = Knot(ws, {"bench.test": [f"mail IN MX 10 {FEEDBACK}", 'mail IN TXT "v=spf1 include:amazonses.com ~all"']})
    sink, sink_port = start_sink(ws, "mfrelay-sink", args.messages)
    port = free_port()
    delivery = f"connections = {args.connections}\n" if args.connections else ""
    config = ws.write("mfrelay/conf/mfrelay.toml", f"""[relay]
hostname = "mfrelay.bench"
state_dir = "../var"
policy_dir = "policy.d"

[[listener]]
name = "local"
address = "127.0.0.1:{port}"
tls = "none"
auth = "network"

[[user]]
name = "local-apps"
networks = ["127.0.0.0/8"]
identities = ["*"]

[delivery]
smarthost = "127.0.0.1:{sink_port}"
{delivery}
[dns]
servers = ["{knot.server()}"]

[verification]
pending_interval = "1s"
retry_interval = "1s"

[events]
file = "../var/events.jsonl"

[admin]
address = "127.0.0.1:{free_port()}"
""")
    ws.write("mfrelay/conf/policy.d/bench.toml",
             '[[identity]]\nname = "bench.test"\nmail_from_domain = "mail.bench.test"\n'
             + ("dkim = true\n" if dkim else ""))
    relay = ws.start([MFRELAY, "serve", "-c", config])
    wait_for_port(port, proc=relay)
    if dkim:
        publish_dkim_records(knot, config)
    deadline = time.monotonic() + 30
    while True:
        r = subprocess.run([MFRELAY, "status", "--format", "json", "-c", config], capture_output=True, text=True)
        rows = json.loads(r.stdout) if r.returncode == 0 else []
        # mfrelay signs only once its DKIM records check out (DKIM status SUCCESS).
        if any(row["status"] == "Success" and (not dkim or row["dkim"]["status"] == "SUCCESS") for row in rows):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"mail.bench.test did not become Success{' (and DKIM SUCCESS)' if dkim else ''}: "
                               f"{r.stdout}{r.stderr}")
        time.sleep(0.2)

    cpu_before = cpu_seconds(relay.pid)
    switches_before = context_switches(relay.pid)
    accepted, end_to_end = drive(port, sink, args, args.timeout)
    result = {"accepted": accepted, "end_to_end": end_to_end, "cpu": cpu_seconds(relay.pid) - cpu_before,
              "switches": context_switches(relay.pid) - switches_before, "threads": thread_count(relay.pid),
              "rss_kib": peak_rss_kib(relay.pid), "senders": envelope_senders(sink.dump),
              "signed": signed_messages(sink.dump)}
    relay.send_signal(signal.SIGTERM)
    stop_process(relay, timeout=30)
    knot.stop()
    return result


# ---- Postfix ---------------------------------------------------------------------------



def postfix(conf, *args, check=True):
    r = private_postfix.run(conf, *args)
    if check and r.returncode != 0:
        raise RuntimeError(f"postfix {' '.join(args)}: {r.stdout}{r.stderr}")
    return r


def run_postfix(ws, args):
    sink, sink_port = start_sink(ws, "postfix-sink", args.messages)
    port = free_port()
    canonical = ws.write("postfix/etc/sender_canonical", f"/^.+$/ {BOUNCE}\n")
    conf = private_postfix.configure(ws, f"127.0.0.1:{port}", "postfix.bench", "bench", f"""relay_domains =
relayhost = [127.0.0.1]:{sink_port}
sender_canonical_maps = regexp:{canonical}
sender_canonical_classes = envelope_sender
default_process_limit = {max(100, 4 * args.sessions)}
""")
    check = postfix(conf, "check", check=False)
    warnings = (check.stdout + check.stderr).strip()
    if check.returncode != 0:
        raise RuntimeError(f"postfix check failed (postfix reports to a terminal only: run it by hand): {warnings}")
    try:
        postfix(conf, "start")
        wait_for_port(port, timeout=30)
        master = private_postfix.master_pid(conf)
        cpu_before = tree_cpu_seconds(master)
        switches_before = tree_context_switches(master)
        accepted, end_to_end = drive(port, sink, args, args.timeout)
        result = {"accepted": accepted, "end_to_end": end_to_end, "cpu": tree_cpu_seconds(master) - cpu_before,
                  "switches": max(0, tree_context_switches(master) - switches_before),
                  "senders": envelope_senders(sink.dump), "check": warnings}
    finally:
        private_postfix.stop(conf)
    return result


# ---- report --------------------------------------------------------------------------


def describe_file_system(path):
    """(description, whether ext4 without a journal) of the file system the spools
    live on. Why it matters: ext4 without a journal skips every inode freed in the
    last 60 s (300 s while its inode table block is dirty) when it allocates one
    (fs/ext4/ialloc.c, recently_deleted), so creating a file per message gets
    slower the more files were deleted nearby recently, by anyone: by the relay
    measured just before, too."""
    path = os.path.realpath(path)
    best = ("", "?", "?")
    with open("/proc/self/mounts") as f:
        for line in f:
            device, mount_point, fs_type = line.split()[:3]
            inside = path == mount_point or path.startswith(mount_point.rstrip("/") + "/")
            if inside and len(mount_point) > len(best[0]):
                best = (mount_point, fs_type, device)
    mount_point, fs_type, device = best
    text = f"{fs_type} on {device}"
    no_journal = False
    if fs_type == "ext4":
        journals = os.listdir("/proc/fs/jbd2") if os.path.isdir("/proc/fs/jbd2") else []
        no_journal = not any(j.startswith(os.path.basename(device) + "-") for j in journals)
        if no_journal:
            text += " without a journal (creating a file skips the inodes freed nearby in the last 60-360 s)"
    return text, no_journal


def spread_parent(parent):
    """A folder whose subfolders ext4 spreads over block groups (chattr +T, the
    Orlov allocator's top-directory flag): each run gets a block group that the
    runs before it, and other programs' files, have not just churned. Without it
    a relay measured after another pays for the other's deleted files."""
    folder = tempfile.mkdtemp(prefix="mfrelay-bench-smtp-", dir=parent)
    os.chmod(folder, 0o755)
    r = subprocess.run(["chattr", "+T", folder], capture_output=True, text=True)
    return folder, r.returncode == 0


def measure(args, parent, runs):
    """Every round: the load generator alone, then both relays (order alternating
    by round), each in a fresh workspace under parent. False if a sink saw
    envelope senders other than expected."""
    n = args.messages
    expected = {"mfrelay": "<ID@mail.bench.test>", "mfrelay-dkim": "<ID@mail.bench.test>", "postfix": f"<{BOUNCE}>"}
    relays = relay_names(args)
    ok = True
    for round_ in range(args.rounds):
        ws = Workspace("mfrelay-bench-smtp-", parent)
        try:
            r = run_direct(ws, args)
        finally:
            ws.close()
        runs["direct"].append(r)
        print(f"  direct:  smtp-source -> smtp-sink, no relay: {n / r['accepted']:6.0f} msg/s "
              f"({r['accepted']:6.2f} s), the load generator's ceiling right now; "
              f"smtp-sink's CPU {1e3 * r['cpu'] / n:.2f} ms/msg", flush=True)
        for name in relays if round_ % 2 == 0 else reversed(relays):
            ws = Workspace("mfrelay-bench-smtp-", parent)
            try:
                r = run_postfix(ws, args) if name == "postfix" else run_mfrelay(ws, args, dkim=name == "mfrelay-dkim")
            finally:
                ws.close(keep=args.keep)
            runs[name].append(r)
            senders = ", ".join(f"{c} x {s}" for s, c in sorted(r["senders"].items()))
            if r["senders"] != {expected[name]: n}:
                ok = False
                senders += f"   UNEXPECTED: wanted {n} x {expected[name]}"
            if name.startswith("mfrelay") and r["signed"] != (n if name == "mfrelay-dkim" else 0):
                ok = False
                senders += f"   UNEXPECTED: {r['signed']} of {n} carried a DKIM-Signature"
            print(f"  {name + ':':14}accepted {n / r['accepted']:6.0f} msg/s ({r['accepted']:6.2f} s)   "
                  f"end to end {n / r['end_to_end']:6.0f} msg/s ({r['end_to_end']:6.2f} s)   "
                  f"CPU {r['cpu']:6.2f} s ({1e3 * r['cpu'] / n:.2f} ms/msg)   "
                  f"context switches {r['switches'] / n:5.2f}/msg"
                  + (f" ({r['threads']} threads)" if "threads" in r else "")
                  + (f"   peak RSS {r['rss_kib'] / 1024:.1f} MiB" if "rss_kib" in r else ""), flush=True)
            print(f"{'':16}envelope senders at the sink: {senders}"
                  + (f"; {r['signed']} signed" if name == "mfrelay-dkim" else ""), flush=True)
    return ok


def relay_names(args):
    """The relays measured every round, in the order of even rounds."""
    return ("mfrelay", "mfrelay-dkim", "postfix") if args.dkim else ("mfrelay", "postfix")


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


# The cases `scripts/bench smtp` measures unless --size or --sessions picks one:
# the everyday one, many concurrent clients, and big messages.
STANDARD_CASES = [(4096, 20), (4096, 200), (65536, 20)]


def run_case(args, size, sessions):
    """Every round of one (size, sessions) case; returns the summary row, or None
    when a sink saw unexpected envelope senders."""
    case = argparse.Namespace(**vars(args))
    case.size, case.sessions = size, sessions
    n = case.messages
    mode = "one connection per session (-d)" if case.reuse else "one connection per message"
    print(f"smtp-source -> relay -> smtp-sink on loopback: {n} messages, {size} bytes of body, "
          f"{sessions} sessions, {mode}", flush=True)
    parent, spread = spread_parent(case.dir)
    fs_text, _ = describe_file_system(parent)
    print(f"  spools under {parent}: {fs_text}; each run in a fresh folder"
          + (" in its own block group (chattr +T)" if spread else " (chattr +T failed: runs may share a block group)"),
          flush=True)
    print(f"  load average before: {' '.join(open('/proc/loadavg').read().split()[:3])}", flush=True)
    runs = {"mfrelay": [], "mfrelay-dkim": [], "postfix": [], "direct": []}
    try:
        ok = measure(case, parent, runs)
    finally:
        if case.keep:
            print(f"kept {parent}")
        else:
            shutil.rmtree(parent, ignore_errors=True)

    def rate(name, key):
        return n / median(r[key] for r in runs[name])

    def per_message(name, key):
        return median(r[key] for r in runs[name]) / n

    if case.rounds > 1:
        print(f"  median direct: {rate('direct', 'accepted'):.0f} msg/s, smtp-sink's CPU "
              f"{1e3 * per_message('direct', 'cpu'):.3f} ms/msg")
        for name in relay_names(case):
            print(f"  median {name}: accepted {rate(name, 'accepted'):.0f} msg/s, "
                  f"end to end {rate(name, 'end_to_end'):.0f} msg/s, CPU {1e3 * per_message(name, 'cpu'):.3f} ms/msg, "
                  f"context switches {per_message(name, 'switches'):.2f}/msg")
    ratio = rate("mfrelay", "end_to_end") / rate("postfix", "end_to_end")
    print(f"  {'medians' if case.rounds > 1 else 'ratio'} mfrelay/postfix: "
          f"accepted {rate('mfrelay', 'accepted') / rate('postfix', 'accepted'):.2f}x, "
          f"end to end {ratio:.2f}x")
    if runs["postfix"] and runs["postfix"][-1]["check"]:
        print("  postfix check said: " + runs["postfix"][-1]["check"].replace("\n", "; "))
    print(f"  load average after: {' '.join(open('/proc/loadavg').read().split()[:3])}", flush=True)
    row = {"size": size, "sessions": sessions, "ratio": ratio,
           "mfrelay": rate("mfrelay", "end_to_end"), "postfix": rate("postfix", "end_to_end"),
           "mfrelay_cpu": per_message("mfrelay", "cpu"), "postfix_cpu": per_message("postfix", "cpu"),
           "mfrelay_switches": per_message("mfrelay", "switches"),
           "postfix_switches": per_message("postfix", "switches"), "sink_cpu": per_message("direct", "cpu")}
    if case.dkim:
        row["dkim"], row["dkim_cpu"] = rate("mfrelay-dkim", "end_to_end"), per_message("mfrelay-dkim", "cpu")
    return row if ok else None


def main():
    parser = argparse.ArgumentParser(prog="scripts/bench smtp", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", "-n", type=int, default=5000, help="messages per relay (default 5000)")
    parser.add_argument("--size", type=int, default=None,
                        help="message body bytes (smtp-source -l); with --sessions, the one case measured "
                             "(default: the cases 4096 B x 20 sessions, 4096 B x 200, 65536 B x 20)")
    parser.add_argument("--sessions", type=int, default=None, help="parallel SMTP sessions (see --size; default 20)")
    parser.add_argument("--reuse", action="store_true",
                        help="send every message of a session over one connection (smtp-source -d); "
                             "default: one connection per message")
    parser.add_argument("--connections", type=int, default=0,
                        help="mfrelay [delivery] connections (default: mfrelay's own default)")
    parser.add_argument("--dkim", action="store_true",
                        help="also measure mfrelay signing every message with Easy DKIM (RSA 2048), "
                             "the signing cost next to the unsigned run")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per relay before giving up")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each relay this many times, alternating which goes first (default 1)")
    parser.add_argument("--dir", default=None,
                        help="where the temp folders (spools, queues) go; default $TMPDIR or /tmp")
    parser.add_argument("--keep", action="store_true", help="keep the temp folders (logs, dumps, spools)")
    args = parser.parse_args()

    if args.size is None and args.sessions is None:
        cases = STANDARD_CASES
    else:
        cases = [(args.size or 4096, args.sessions or 20)]
    rows, ok = [], True
    for size, sessions in cases:
        row = run_case(args, size, sessions)
        ok = ok and row is not None
        if row:
            rows.append(row)
        print(flush=True)

    build_type = "?"
    cache = os.path.join(os.path.dirname(os.path.dirname(MFRELAY)), "CMakeCache.txt")
    if os.path.exists(cache):
        with open(cache) as f:
            m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", f.read(), re.M)
        build_type = m.group(1) if m else "?"
    label = "medians of " + str(args.rounds) + " rounds" if args.rounds > 1 else "one round"
    print(f"summary ({args.messages} messages per run, {label}; end to end msg/s, CPU ms/msg, "
          f"context switches/msg):")
    for r in rows:
        print(f"  {r['size']:>6} B x {r['sessions']:>3} sessions:  mfrelay {r['mfrelay']:6.0f} msg/s "
              f"{1e3 * r['mfrelay_cpu']:.3f} ms {r['mfrelay_switches']:5.2f} cs   "
              f"postfix {r['postfix']:6.0f} msg/s {1e3 * r['postfix_cpu']:.3f} ms {r['postfix_switches']:5.2f} cs   "
              f"mfrelay/postfix {r['ratio']:.2f}x   smtp-sink alone {1e3 * r['sink_cpu']:.3f} ms")
        if "dkim" in r:
            print(f"  {'':24}mfrelay signing (DKIM rsa-sha256) {r['dkim']:6.0f} msg/s {1e3 * r['dkim_cpu']:.3f} ms, "
                  f"signing costs {1e3 * (r['dkim_cpu'] - r['mfrelay_cpu']):+.3f} ms CPU/msg")
    print(f"  mfrelay: {MFRELAY} ({build_type}); 250 only once the message is on disk (group commit); "
          f"custom MAIL FROM mail.bench.test in Success; delivery connections {args.connections or 'default'}")
    print(f"  postfix: private instance with its defaults (queue files fsynced, up to 20 connections to the "
          f"relayhost); sender_canonical_maps regexp -> {BOUNCE}")
    print("  context switches: mfrelay's threads; postfix's live processes (a lower bound)")
    print("  smtp-sink alone: its CPU per message with smtp-source straight into it (receive, append to a file, "
          "no fsync): a floor for the receiving half of any relay on this machine")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
