"""Hostile and crowded connections end to end, against the real mfrelay:

- slowloris: clients that connect and say nothing, that dribble a command one
  octet every two seconds (never silent for idle_timeout), and that start DATA
  and trickle it forever. A normal client keeps submitting meanwhile; its
  latency is measured and must stay low, and each slow client must be cut with
  "421 ... timeout exceeded" near the configured idle_timeout (the wait for one
  whole command) or data_timeout (the whole DATA transfer): never much earlier,
  never much later.
- 10,000 connections opened at once (non-blocking sockets, one selector): with
  max_sessions above that every one is greeted and mfrelay keeps serving a
  normal client; with max_sessions below it the rest get 421 and are closed.
  mfrelay's VmRSS and descriptor count (/proc/PID) are measured before, while
  they are open, and after they close; the descriptors must come back to where
  they started and the memory must stay bounded.

mfrelay inherits this process's RLIMIT_NOFILE, raised here for both."""
import errno
import re
import os
import resource
import selectors
import socket
import statistics
import threading
import time
import unittest
import urllib.request

from harness import read_events, rss_kib, wait_until
from raw_smtp import RawClient, ehlo
from relay_fixture import RelayTest

HEADERS = "From: app@example.com\r\nTo: reader@dest.example\r\nSubject: {}\r\n\r\n"
# Before EHLO a reply carries no enhanced status code (RFC 2034), after it it does.
TIMEOUT_REPLY = {False: b"421 mfrelay.test Error: timeout exceeded\r\n",
                 True: b"421 4.4.2 mfrelay.test Error: timeout exceeded\r\n"}


def count_events(test, kind):
    return sum(1 for e in read_events(test) if e["eventType"] == kind)


def sanitized(pid):
    """True when the process runs with AddressSanitizer (scripts/test --sanitize): its
    shadow memory and redzones make RSS say nothing about mfrelay's own footprint."""
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def settled_fd_count(pid):
    """mfrelay's descriptor count once it stops changing (the fixture's port probes gone)."""
    last = [fd_count(pid)]

    def same():
        time.sleep(0.3)
        now = fd_count(pid)
        same_as_before, last[0] = now == last[0], now
        return now if same_as_before else None
    return wait_until(same, what="a settled descriptor count")


def raise_nofile(test, wanted):
    """Raises this process's soft descriptor limit to `wanted` (mfrelay, started later,
    inherits it); skips the test when the hard limit does not allow it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted:
        return
    new_hard = hard
    if hard != resource.RLIM_INFINITY and hard < wanted:
        new_hard = wanted  # allowed with CAP_SYS_RESOURCE (root)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, new_hard))
    except (ValueError, OSError) as e:
        test.skipTest(f"RLIMIT_NOFILE is {soft}/{hard}, this test needs {wanted}: {e}")
    test.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))


def timed_submission(port, subject):
    """Connect, EHLO, one message, QUIT: (seconds until the 250, message id)."""
    start = time.monotonic()
    with RawClient(port, timeout=30) as c:
        assert ehlo(c).code == 250
        for line, code in (("MAIL FROM:<app@example.com>", 250), ("RCPT TO:<reader@dest.example>", 250),
                           ("DATA", 354)):
            r = c.command(line)
            assert r.code == code, f"{line}: {r}"
        r = c.command(HEADERS.format(subject) + "a normal client\r\n.\r\n")
        elapsed = time.monotonic() - start
        assert r.code == 250, r
        c.command("QUIT")
    return elapsed, r.text.split()[-1]


class Background(threading.Thread):
    """A normal client submitting one message after another until stopped."""

    def __init__(self, port, pause=0.2):
        super().__init__(daemon=True)
        self.port, self.pause = port, pause
        self.latencies, self.ids, self.errors = [], [], []
        self.halt = threading.Event()

    def run(self):
        n = 0
        while not self.halt.is_set():
            try:
                elapsed, mid = timed_submission(self.port, f"normal-{n}")
                self.latencies.append(elapsed)
                self.ids.append(mid)
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.errors.append(repr(e))
            n += 1
            self.halt.wait(self.pause)

    def stop(self):
        self.halt.set()
        self.join(60)


class SlowClient:
    """One hostile connection driven by the selector loop: it sends one octet of
    `payload` every `interval` seconds (never, when payload is empty)."""

    def __init__(self, kind, sock, started, payload=b"", interval=1.0):
        self.kind, self.sock, self.started = kind, sock, started
        self.payload, self.interval = payload, interval
        self.sent = 0
        self.next_send = started + interval if payload else float("inf")
        self.received = b""
        self.closed_at = None
        self.reset = False


def drive(clients, until):
    """Runs every slow client until the server closed each one, or `until` passes."""
    sel = selectors.DefaultSelector()
    for c in clients:
        c.sock.setblocking(False)
        sel.register(c.sock, selectors.EVENT_READ, c)
    open_ = set(clients)
    while open_ and time.monotonic() < until:
        now = time.monotonic()
        wake = min([c.next_send for c in open_] + [until])
        for key, _ in sel.select(max(0.0, min(wake - now, 0.2))):
            c = key.data
            try:
                data = c.sock.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                data, c.reset = b"", True
            if data:
                c.received += data
                continue
            c.closed_at = time.monotonic()
            sel.unregister(c.sock)
            c.sock.close()
            open_.discard(c)
        now = time.monotonic()
        for c in list(open_):
            if c.next_send <= now:
                octet = c.payload[c.sent % len(c.payload):][:1]
                try:
                    c.sock.send(octet)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    pass  # the server is closing it: the selector sees that next
                c.sent += 1
                c.next_send += c.interval
    for c in open_:
        sel.unregister(c.sock)
        c.sock.close()
    sel.close()
    return open_


class Slowloris(RelayTest):
    identities = '[[identity]]\nname = "example.com"\n'
    IDLE, DATA = 3.0, 6.0
    extra_config = f'\n[limits]\nidle_timeout = "{int(IDLE)}s"\ndata_timeout = "{int(DATA)}s"\nmax_sessions = 2000\n'
    PER_KIND = 100
    SLACK = 3.0  # scheduling on a shared two-core machine; the timers themselves are exact

    def setUp(self):
        raise_nofile(self, 4096)
        super().setUp()

    def open_slow_clients(self):
        port = self.ports["local"]
        clients = []
        for _ in range(self.PER_KIND):  # connect, take the greeting, then say nothing
            c = RawClient(port, timeout=30)
            self.assertEqual(c.reply().code, 220)
            clients.append(SlowClient("silent", c.sock, time.monotonic()))
        for _ in range(self.PER_KIND):  # a command, one octet every two seconds: never idle for IDLE
            c = RawClient(port, timeout=30)
            self.assertEqual(c.reply().code, 220)
            clients.append(SlowClient("dribble", c.sock, time.monotonic(), b"EHLO dribbler.example\r\n", 2.0))
        for _ in range(self.PER_KIND):  # DATA begun, a header line trickling forever
            c = RawClient(port, timeout=30)
            self.assertEqual(ehlo(c).code, 250)
            self.assertEqual(c.command("MAIL FROM:<app@example.com>").code, 250)
            self.assertEqual(c.command("RCPT TO:<slow@dest.example>").code, 250)
            self.assertEqual(c.command("DATA").code, 354)
            c.send(HEADERS.format("never ends"))
            clients.append(SlowClient("data", c.sock, time.monotonic(), b"X-Trickle: one octet a second\r\n", 1.0))
        return clients

    def test_slow_clients_are_cut_and_others_are_served_meanwhile(self):
        pid = self.relay.pid
        fds_before = settled_fd_count(pid)
        baseline = [timed_submission(self.ports["local"], f"baseline-{n}")[0] for n in range(5)]

        clients = self.open_slow_clients()
        background = Background(self.ports["local"])
        background.start()
        try:
            still_open = drive(clients, time.monotonic() + self.DATA + 3 * self.SLACK)
        finally:
            background.stop()

        limits = {"silent": self.IDLE, "dribble": self.IDLE, "data": self.DATA}
        report = {}
        for kind, limit in limits.items():
            mine = [c for c in clients if c.kind == kind]
            left = [c for c in mine if c in still_open]
            self.assertEqual(left, [], f"{len(left)} of {len(mine)} '{kind}' clients were never cut "
                                       f"({left[0].sent if left else 0} octets sent by the first)")
            lived = [c.closed_at - c.started for c in mine]
            for c, t in zip(mine, lived):
                self.assertTrue(c.received.endswith(TIMEOUT_REPLY[kind == "data"]),
                                f"'{kind}' client cut after {t:.1f}s with {c.received[-200:]!r} (reset={c.reset})")
            self.assertGreater(min(lived), limit - 0.3, f"'{kind}' clients cut before their timeout")
            self.assertLess(max(lived), limit + self.SLACK, f"'{kind}' clients cut too late")
            report[kind] = (min(lived), max(lived))

        self.assertEqual(background.errors, [])
        self.assertGreaterEqual(len(background.latencies), 10, "the normal client hardly got through")
        # Waiting behind a slow client would take its IDLE (3 s); a loaded disk's fsync may take one.
        self.assertLess(max(background.latencies), 2.0, "a normal client waited behind the slow ones")
        # Everything the normal client was promised arrives; nothing from the slow ones does.
        wait_until(lambda: count_events(self, "Delivery") >= len(background.ids) + len(baseline), timeout=60,
                   what="every normal message delivered")
        self.assertFalse([m for m in self.sink.messages() if "never ends" in m["text"]])
        self.assertEqual(count_events(self, "Send"), len(background.ids) + len(baseline))
        wait_until(lambda: fd_count(pid) <= fds_before + 2, timeout=20,
                   what=f"mfrelay's descriptors back near {fds_before}")
        lat = sorted(background.latencies)
        print(f"\nslowloris: {len(clients)} slow clients; cut after (min-max s): " +
              ", ".join(f"{k} {a:.2f}-{b:.2f}" for k, (a, b) in report.items()) +
              f"; normal submissions: baseline max {max(baseline) * 1000:.1f} ms, during "
              f"{len(lat)} submissions median {statistics.median(lat) * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms; "
              f"fds {fds_before} before, {fd_count(pid)} after")


CONNECTIONS = 10_000


class Crowd:
    """CONNECTIONS non-blocking connections opened at once and driven by one selector
    until each has its first reply (220 or 421) or was closed."""

    def __init__(self, port, count=CONNECTIONS):
        self.port, self.count = port, count
        self.socks = []
        self.first = {}  # sock -> first reply line (b"" when closed without one)
        self.errors = []

    def open_all(self, deadline):
        sel = selectors.DefaultSelector()
        buffers = {}
        for _ in range(self.count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex(("127.0.0.1", self.port))
            if err not in (0, errno.EINPROGRESS):
                self.errors.append(os.strerror(err))
                s.close()
                continue
            self.socks.append(s)
            buffers[s] = b""
            sel.register(s, selectors.EVENT_READ)
        waiting = len(self.socks)
        while waiting and time.monotonic() < deadline:
            for key, _ in sel.select(0.5):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError as e:
                    self.errors.append(e.strerror)
                    data = b""
                buffers[s] += data
                if b"\r\n" in buffers[s] or not data:
                    self.first[s] = buffers[s].split(b"\r\n", 1)[0]
                    sel.unregister(s)
                    waiting -= 1
        sel.close()
        for s in self.socks:
            s.setblocking(True)
            s.settimeout(10)

    def greeted(self):
        return [s for s, line in self.first.items() if line.startswith(b"220 ")]

    def refused(self):
        return [s for s, line in self.first.items() if line.startswith(b"421 ")]

    def close(self):
        for s in self.socks:
            s.close()


class ManySessions(RelayTest):
    identities = '[[identity]]\nname = "example.com"\n'
    MAX_SESSIONS = 12_000
    # mfrelay's per-session cost while idle: a strand, the coroutine frames, the session
    # machine and a 4 KiB read buffer (smtp_session.cpp reads commands in 4 KiB chunks).
    # 48 KiB each is several times what that should take: more means a leak or a buffer
    # per session that grew.
    MAX_KIB_PER_SESSION = 48

    @property
    def extra_config(self):
        return f'\n[limits]\nmax_sessions = {self.MAX_SESSIONS}\nidle_timeout = "120s"\n'

    def setUp(self):
        raise_nofile(self, CONNECTIONS + 1000)  # for this process, and for mfrelay, which inherits it
        super().setUp()

    def measure_crowd(self):
        pid = self.relay.pid
        fds_before = settled_fd_count(pid)
        rss_before = rss_kib(pid)
        crowd = Crowd(self.ports["local"])
        self.addCleanup(crowd.close)
        start = time.monotonic()
        crowd.open_all(start + 90)
        opened = time.monotonic() - start
        self.assertEqual(crowd.errors, [], f"{len(crowd.errors)} connections failed: {crowd.errors[:5]}")
        self.assertEqual(len(crowd.first), CONNECTIONS, "some connections got no reply at all within 90 s")
        during = {"rss": rss_kib(pid), "fds": fd_count(pid)}
        return crowd, fds_before, rss_before, during, opened

    def wait_fds_back(self, pid, fds_before):
        start = time.monotonic()
        wait_until(lambda: fd_count(pid) <= fds_before + 2, timeout=60, interval=0.25,
                   what=f"mfrelay's descriptors back near {fds_before} (now {fd_count(pid)})")
        return time.monotonic() - start


class TenThousandSessions(ManySessions):
    MORE_CROWDS = 4
    # What the allocator keeps after free() makes RSS wander from crowd to crowd by
    # +-10..30 MiB (glibc arenas, one per io thread); only a gross leak shows in it.
    MAX_RSS_DRIFT_KIB = 64 * 1024
    # The heap in use once a crowd has gone is the precise measure: a leak of even
    # 100 bytes a session would add 1 MB with every crowd of 10,000.
    MAX_HEAP_DRIFT_BYTES = 2 * 1024 * 1024

    def heap_bytes(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=10) as r:
            text = r.read().decode()
        m = re.search(r"^mfrelay_heap_allocated_bytes (\S+)$", text, re.MULTILINE)
        self.assertIsNotNone(m, "no mfrelay_heap_allocated_bytes in /metrics")
        return int(float(m.group(1)))

    def test_ten_thousand_connections_at_once(self):
        pid = self.relay.pid
        crowd, fds_before, rss_before, during, opened = self.measure_crowd()
        self.assertEqual(len(crowd.greeted()), CONNECTIONS, f"{len(crowd.refused())} refused")
        self.assertGreaterEqual(during["fds"], fds_before + CONNECTIONS)

        # A normal client is served while they all sit there.
        latencies, ids = [], []
        for n in range(5):
            elapsed, mid = timed_submission(self.ports["local"], f"in-the-crowd-{n}")
            latencies.append(elapsed)
            ids.append(mid)
        self.assertLess(max(latencies), 2.0, "a normal client waited behind 10,000 idle sessions")
        # And the crowd is alive, not just counted: a sample of them still answers.
        for s in crowd.greeted()[:: CONNECTIONS // 25]:
            s.sendall(b"NOOP\r\n")
            self.assertTrue(s.recv(4096).startswith(b"250 "))
        rss_during = rss_kib(pid)

        crowd.close()
        back_after = self.wait_fds_back(pid, fds_before)
        rss_after = rss_kib(pid)
        heaps = [self.heap_bytes()]
        growth = rss_during - rss_before
        if not sanitized(pid):
            self.assertLess(growth, CONNECTIONS * self.MAX_KIB_PER_SESSION)

        # More crowds must fit in the same memory: the heap in use after each is back
        # where it was after the first, and RSS (what the allocator holds) stays near
        # its first peak.
        peaks = []
        for _ in range(self.MORE_CROWDS):
            more, _, _, more_during, _ = self.measure_crowd()
            self.assertEqual(len(more.greeted()), CONNECTIONS)
            peaks.append(max(more_during["rss"], rss_kib(pid)))
            more.close()
            self.wait_fds_back(pid, fds_before)
            heaps.append(self.heap_bytes())
        if not sanitized(pid):
            self.assertLess(max(heaps) - heaps[0], self.MAX_HEAP_DRIFT_BYTES,
                            f"heap in use kept growing from crowd to crowd: {heaps} bytes")
            self.assertLess(max(peaks) - rss_during, self.MAX_RSS_DRIFT_KIB,
                            f"mfrelay kept growing from crowd to crowd: {rss_during} KiB, then {peaks}")

        wait_until(lambda: count_events(self, "Delivery") >= len(ids), timeout=30, what="the normal messages delivered")
        self.assertIsNone(self.relay.poll(), "mfrelay died")
        print(f"\n{CONNECTIONS} connections: all greeted {opened:.1f} s after the first connect; "
              f"mfrelay fds {fds_before} before, {during['fds']} with them open, back to {fd_count(pid)} "
              f"{back_after:.1f} s after they closed; VmRSS {rss_before} KiB before, {rss_during} KiB with them "
              f"open (+{growth / CONNECTIONS:.1f} KiB each), {rss_after} KiB after they closed; peaks with "
              f"{self.MORE_CROWDS} more crowds: {peaks} KiB; heap in use after each crowd: "
              f"{[h // 1024 for h in heaps]} KiB; normal submission latency in the crowd: "
              f"max {max(latencies) * 1000:.1f} ms")


class BeyondMaxSessions(ManySessions):
    MAX_SESSIONS = 2_000

    def test_connections_beyond_max_sessions_get_421_and_are_let_go(self):
        pid = self.relay.pid
        crowd, fds_before, rss_before, during, opened = self.measure_crowd()
        greeted, refused = crowd.greeted(), crowd.refused()
        self.assertEqual(len(greeted) + len(refused), CONNECTIONS,
                         f"replies other than 220/421: {set(crowd.first.values()) - {b''}}")
        self.assertLessEqual(len(greeted), self.MAX_SESSIONS)
        self.assertGreater(len(greeted), self.MAX_SESSIONS // 2)
        self.assertEqual({crowd.first[s] for s in refused}, {b"421 Too many concurrent SMTP connections"})
        # The refused ones are closed by mfrelay: each reads end of file after the 421.
        for s in refused[:: max(1, len(refused) // 25)]:
            while s.recv(4096):
                pass
        # The ones let in work.
        for s in greeted[:: max(1, len(greeted) // 25)]:
            s.sendall(b"NOOP\r\n")
            self.assertTrue(s.recv(4096).startswith(b"250 "))
        self.assertLess(fd_count(pid), fds_before + self.MAX_SESSIONS + 50, "refused sockets are held open")

        crowd.close()
        back_after = self.wait_fds_back(pid, fds_before)
        # With the slots free again, a normal client gets in at once.
        elapsed, _ = timed_submission(self.ports["local"], "after-the-crowd")
        self.assertLess(elapsed, 2.0)
        rss_after = rss_kib(pid)
        print(f"\n{CONNECTIONS} connections, max_sessions {self.MAX_SESSIONS}: {len(greeted)} greeted, "
              f"{len(refused)} got 421, all answered {opened:.1f} s after the first connect; mfrelay fds "
              f"{fds_before} before, {during['fds']} at the peak of the crowd, back {back_after:.1f} s after "
              f"they closed; VmRSS {rss_before} KiB before, {during['rss']} KiB with them, {rss_after} KiB after")
        if not sanitized(pid):
            self.assertLess(during["rss"] - rss_before, self.MAX_SESSIONS * self.MAX_KIB_PER_SESSION + 64 * 1024)


if __name__ == "__main__":
    unittest.main()
