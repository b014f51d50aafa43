"""Resolver trouble end to end: with mail flowing for two verified identities
(one UseDefaultValue, one RejectMessage), the DNS behind mfrelay's checks goes
away (knotd stopped), answers SERVFAIL or REFUSED, answers garbage, or answers
too late. The README's rule: resolver trouble never moves a state. So through
several check intervals the states stay Success (same `since`), no
MailFromDomainStatusChange is written, SMTP keeps accepting at its usual pace
and the envelope sender stays <id>@<custom MAIL FROM domain>.

The faults come from a small UDP front (FaultyResolver) that mfrelay queries
instead of knotd and that forwards to knotd, or answers SERVFAIL/REFUSED/garbage
itself, or answers late. It counts the queries in each mode, so every test
knows the checks really ran into the fault; and a control at the end shows a
real DNS change still moves a state through the same front."""
import collections
import socket
import struct
import threading
import time
import unittest

from harness import TempDirTest, free_port, identity, read_events, relay_config, wait_until
from knot import Knot
from raw_smtp import RawClient, ehlo
from relay_fixture import FEEDBACK, RelayTest
from sink import Sink

ZONE = [f"mail IN MX 10 {FEEDBACK}", 'mail IN TXT "v=spf1 include:amazonses.com ~all"',
        f"bounce IN MX 10 {FEEDBACK}", 'bounce IN TXT "v=spf1 include:amazonses.com ~all"']
IDENTITIES = (identity("example.com", "mail.example.com", "UseDefaultValue")
              + identity("billing@example.com", "bounce.example.com", "RejectMessage"))
SENDERS = {"news@example.com": ("example.com", "mail.example.com"),
           "billing@example.com": ("billing@example.com", "bounce.example.com")}
DNS_TIMEOUT = 2.0    # [dns] timeout for these tests (tries = 1)
SLOW = 4.0           # how late the "slow" front answers: well past DNS_TIMEOUT
FAST_ENOUGH = 1.9    # a submission that waited for one DNS timeout (2 s) would take longer
# How mfrelay names each fault in `mfrelay status`. c-ares drops a datagram it cannot
# parse at all (it may be spoofed) and keeps waiting, so garbage ends as a timeout.
OUTCOME = {"servfail": "servfail", "refused": "refused", "bad-rdata": "bad_response", "garbage": "timeout",
           "slow": "timeout"}


def question(packet):
    """(qname, qtype) of a DNS query, or (None, None) when it does not parse."""
    try:
        labels, i = [], 12
        while packet[i]:
            labels.append(packet[i + 1:i + 1 + packet[i]].decode("ascii", "replace"))
            i += 1 + packet[i]
        return ".".join(labels).lower(), struct.unpack("!H", packet[i + 1:i + 3])[0], i + 5
    except (IndexError, struct.error):
        return None, None, None


def error_answer(query, rcode):
    """The query's header and question back, as a response with `rcode` and nothing else."""
    _, _, end = question(query)
    flags = struct.unpack("!H", query[2:4])[0]
    flags = 0x8000 | (flags & 0x7900) | 0x0080 | rcode  # QR, opcode and RD kept, RA, rcode
    return query[:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + query[12:end]


def bad_rdata_answer(query):
    """A well-formed NOERROR response with one record of the asked type whose RDATA
    is broken (a name label running past the end): the message parses, the record not."""
    _, qtype, end = question(query)
    flags = 0x8000 | (struct.unpack("!H", query[2:4])[0] & 0x7900) | 0x0400 | 0x0080  # QR, AA, RA
    rdata = b"\x00\x0a\x3fbroken"
    record = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(rdata)) + rdata
    return query[:2] + struct.pack("!HHHHH", flags, 1, 1, 0, 0) + query[12:end] + record


class FaultyResolver:
    """A DNS server on a loopback UDP port in front of knotd. Modes: forward (knotd's
    answer), servfail, refused, bad-rdata (a record that does not parse), garbage (a
    truncated message), slow (knotd's answer, SLOW seconds late) and drop (no answer). Counts queries per (mode, qname, qtype)."""

    def __init__(self, upstream_port):
        self.upstream = ("127.0.0.1", upstream_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.mode = "forward"
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def server(self):
        return f"127.0.0.1:{self.port}"

    def queries(self, mode, qname, qtype=15):
        with self.lock:
            return self.counts[(mode, qname, qtype)]

    def serve(self):
        while not self.stopping.is_set():
            try:
                data, client = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            qname, qtype, _ = question(data)
            if qname is None:
                continue
            mode = self.mode
            with self.lock:
                self.counts[(mode, qname, qtype)] += 1
            if mode == "forward":
                threading.Thread(target=self.forward, args=(data, client, 0), daemon=True).start()
            elif mode == "slow":
                threading.Thread(target=self.forward, args=(data, client, SLOW), daemon=True).start()
            elif mode == "servfail":
                self.reply(error_answer(data, 2), client)
            elif mode == "refused":
                self.reply(error_answer(data, 5), client)
            elif mode == "bad-rdata":
                self.reply(bad_rdata_answer(data), client)
            elif mode == "garbage":
                # A response header promising one question and one answer, then nothing whole.
                self.reply(data[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x04mail\x07exa", client)
            # drop: no answer at all

    def forward(self, data, client, delay):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
            up.settimeout(3)
            try:
                up.sendto(data, self.upstream)
                answer = up.recv(65535)
            except OSError:
                return
        if self.stopping.wait(delay):
            return
        self.reply(answer, client)

    def reply(self, packet, client):
        try:
            self.sock.sendto(packet, client)
        except OSError:
            pass

    def stop(self):
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


class DnsFaultTest(RelayTest):
    """knotd serves both MAIL FROM domains; mfrelay asks it directly, or through a
    FaultyResolver when `via_front` is set. Delivery goes to an smtp-sink."""
    via_front = False

    def setUp(self):
        TempDirTest.setUp(self)  # its cleanup stops what starts here, should a step fail
        self.knot = Knot(self, {"example.com": ZONE})
        self.front = None
        if self.via_front:
            self.front = FaultyResolver(self.knot.port)
            self.addCleanup(self.front.stop)
        self.sink = Sink(self)
        self.ports = {"local": free_port()}
        self.config = relay_config(
            self, dns_server=(self.front or self.knot).server(), identities=IDENTITIES,
            listeners=[{"name": "local", "address": f"127.0.0.1:{self.ports['local']}", "tls": "none",
                        "auth": "network"}],
            extra=f'[delivery]\nsmarthost = "{self.sink.address()}"\nretry_schedule = ["1s"]\n')
        with open(self.config) as f:
            text = f.read()
        with open(self.config, "w") as f:
            f.write(text.replace('timeout = "500ms"', f'timeout = "{int(DNS_TIMEOUT * 1000)}ms"'))
        self.start_relay()
        for ident, _ in SENDERS.values():
            self.wait_status(ident, "Success")

    def submit(self, sender):
        """One message from `sender`; (seconds from connect to the 250, message id)."""
        start = time.monotonic()
        with RawClient(self.ports["local"], timeout=30) as c:
            self.assertEqual(ehlo(c).code, 250)
            self.assertEqual(c.command(f"MAIL FROM:<{sender}>").code, 250)
            self.assertEqual(c.command("RCPT TO:<reader@dest.example>").code, 250)
            self.assertEqual(c.command("DATA").code, 354)
            r = c.command(f"From: {sender}\r\nTo: reader@dest.example\r\nSubject: dns fault\r\n\r\nbody\r\n.\r\n")
            elapsed = time.monotonic() - start
            c.command("QUIT")
        self.assertEqual(r.code, 250, f"{sender}: {r}")
        return elapsed, r.text.split()[-1]

    def send_both_and_check(self, label):
        """A message from each identity: accepted fast, and its envelope sender is the
        custom MAIL FROM domain at the sink. Returns the submission times."""
        times, expected = [], {}
        for sender, (_, domain) in SENDERS.items():
            elapsed, mid = self.submit(sender)
            times.append(elapsed)
            expected[mid] = domain
            self.assertLess(elapsed, FAST_ENOUGH, f"{label}: submission from {sender} took {elapsed:.3f}s")
        for mid, domain in expected.items():
            m = wait_until(lambda: [m for m in self.sink.messages() if m["mail"].startswith(f"<{mid}@")],
                           timeout=20, what=f"{mid} at the sink")[0]
            self.assertEqual(m["mail"].split()[0], f"<{mid}@{domain}>", label)
        return times

    def status_changes(self):
        return [e for e in read_events(self) if e["eventType"] == "MailFromDomainStatusChange"]

    def assert_states_hold(self, before, label):
        now = self.states()
        for ident, _ in SENDERS.values():
            self.assertEqual(now[ident]["status"], "Success", f"{label}: {ident} moved: {now[ident]}")
            self.assertEqual(now[ident]["since"], before[ident]["since"], f"{label}: {ident} restarted its state")


class KnotStopped(DnsFaultTest):
    def test_knotd_gone_moves_no_state_and_mail_keeps_its_custom_mail_from(self):
        baseline = self.send_both_and_check("DNS up")
        before = self.states()
        changes = len(self.status_changes())

        self.knot.stop()
        stopped_at = {ident: before[ident]["lastCheck"] for ident, _ in SENDERS.values()}
        # Several checks run into the dead server (each one times out or is refused):
        # lastCheck moves and the reason says the check was inconclusive.
        during = []
        for round_ in range(3):
            wait_until(lambda: all(self.states()[i]["lastCheck"] != stopped_at[i] and
                                   "inconclusive" in self.states()[i]["reason"] for i in stopped_at),
                       timeout=DNS_TIMEOUT * 4 + 5, what=f"inconclusive check {round_ + 1} of both identities")
            s = self.states()
            stopped_at = {i: s[i]["lastCheck"] for i in stopped_at}
            self.assert_states_hold(before, "knotd stopped")
            during += self.send_both_and_check("knotd stopped")
        self.assertEqual(len(self.status_changes()), changes, "a state change was logged while DNS was down")

        # knotd back: checks pass again, still the same Success.
        self.knot.start()
        wait_until(lambda: all("exactly one MX" in self.states()[i]["reason"] for i in stopped_at),
                   timeout=DNS_TIMEOUT * 4 + 5, what="passing checks after knotd is back")
        self.assert_states_hold(before, "knotd back")
        print(f"\nsubmission with DNS up: {max(baseline) * 1000:.1f} ms max; "
              f"with knotd stopped: {max(during) * 1000:.1f} ms max over {len(during)} messages")


class ResolverTrouble(DnsFaultTest):
    via_front = True

    def run_fault(self, mode, rounds=3):
        """Puts the front in `mode` until it has seen `rounds` MX queries for each MAIL FROM
        domain, sending mail meanwhile; the states must hold. Returns submission times."""
        before = self.states()
        changes = len(self.status_changes())
        self.front.mode = mode
        times = []
        for n in range(1, rounds + 1):
            wait_until(lambda: all(self.front.queries(mode, d) >= n for _, d in SENDERS.values()),
                       timeout=(DNS_TIMEOUT + 1) * 3 + 5, what=f"{n} MX queries per domain in mode {mode}")
            times += self.send_both_and_check(mode)
        # The last check has finished (timed out, for the slow front) and was recorded.
        time.sleep(DNS_TIMEOUT + 0.5 if mode == "slow" else 0.5)
        self.assert_states_hold(before, mode)
        for ident, _ in SENDERS.values():
            self.assertEqual(self.states()[ident]["reason"], f"MX lookup inconclusive: {OUTCOME[mode]}", ident)
        self.assertEqual(len(self.status_changes()), changes, f"{mode}: a state change was logged")
        return times

    def test_servfail_refused_garbage_and_slow_answers_move_no_state(self):
        baseline = self.send_both_and_check("DNS healthy")
        timings = {"healthy": baseline}
        for mode in ("servfail", "refused", "bad-rdata", "garbage", "slow"):
            with self.subTest(mode=mode):
                timings[mode] = self.run_fault(mode)

        # Control: the same front, forwarding again, carries a real failure (the MX of
        # mail.example.com removed) and that one does move the state.
        self.front.mode = "forward"
        self.knot.edit("example.com", unset_records=[("mail", "MX")])
        self.wait_status("example.com", "TemporaryFailure", timeout=DNS_TIMEOUT * 4 + 10)
        self.assertEqual(self.states()["billing@example.com"]["status"], "Success")
        elapsed, mid = self.submit("news@example.com")
        m = wait_until(lambda: [m for m in self.sink.messages() if m["mail"].startswith(f"<{mid}@")],
                       timeout=20, what="the control message")[0]
        self.assertEqual(m["mail"].split()[0], f"<{mid}@us-west-2.amazonses.com>")
        print("\nsubmission times (max, ms): " + ", ".join(f"{k} {max(v) * 1000:.1f}" for k, v in timings.items()))


if __name__ == "__main__":
    unittest.main()
