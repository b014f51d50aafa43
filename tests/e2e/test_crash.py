"""kill -9 while clients are sending, five times in a row: every message
mfrelay acknowledged with 250 must reach the smarthost after the restarts on
the same state_dir.

Two clients send at once to the `local` (auth = network) listener: Postfix's
smtp-source, and a Python client whose threads record every 250 reply with
the message id it names and a Subject unique to the message. The first
smarthost is an smtp-sink that waits a second before answering ".", so at
the kill most messages sit in the spool, some are in the middle of delivery
(dumped by the sink, not yet acknowledged to mfrelay: duplicates) and a few
are delivered and removed. mfrelay restarts on the same state_dir and the
load starts again, so each later kill also hits a spool that holds recovered
segments next to new ones. After the fifth kill mfrelay restarts with a fast
sink as its smarthost (the same dump folder) and must deliver the rest, and
then delete every segment.
Duplicates are allowed (SMTP is at-least-once); loss is not."""
import os
import re
import signal
import subprocess
import threading
import time
import unittest

from harness import identity, wait_until
from relay_fixture import RelayTest
from sink import Sink
from submitter import Submitter

SMTP_SOURCE = "/usr/sbin/smtp-source"
SOURCE_SESSIONS = 10
SOURCE_SUBJECT = "from smtp-source"
CLIENT_THREADS = 4


class SourceCounter:
    """Follows smtp-source -c: it prints a running count ("N\\r") each time it sends
    the "." of a message. A session sends its next "." only after a 250 for the
    last one, so at least count - sessions messages were acknowledged."""

    def __init__(self, proc):
        self.proc = proc
        self.value = 0
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        pending = b""
        while chunk := self.proc.stdout.read1(4096):
            *counts, pending = re.split(rb"[\r\n]", pending + chunk)
            for c in counts:
                if c.isdigit():
                    self.value = max(self.value, int(c))


KILLS = 5


def spool_files(test, sub="segments"):
    path = test.path("var", "spool", sub)
    return sorted(os.listdir(path)) if os.path.isdir(path) else []


class Crash(RelayTest):
    identities = identity("example.com")
    sink_options = ("-W", ".:1")  # a slow smarthost: one second before each 250 to "."

    def deliveries(self):
        """Delivery events so far, counted without parsing: the file may end mid-line."""
        path = self.path("var", "log", "events.jsonl")
        if not os.path.exists(path):
            return 0
        with open(path) as f:
            return f.read().count('"eventType":"Delivery"')

    def load_and_kill(self, round_):
        """Both clients against the running mfrelay until enough was acknowledged and
        delivered, then kill -9; returns (python client's acknowledged, smtp-source floor)."""
        port = self.ports["local"]
        source = subprocess.Popen(
            [SMTP_SOURCE, "-c", "-s", str(SOURCE_SESSIONS), "-m", "5000", "-l", "1024", "-S", SOURCE_SUBJECT,
             "-f", "sender@example.com", "-t", "rcpt@dest.example", f"127.0.0.1:{port}"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.processes.append(source)
        counter = SourceCounter(source)
        client = Submitter(port, CLIENT_THREADS, prefix=f"r{round_}")
        delivered_before = self.deliveries()
        try:
            # Enough acknowledged from both clients, and some deliveries done (so
            # removal after delivery is part of what the kill interrupts).
            wait_until(lambda: client.count() >= 100 and counter.value >= 100
                       and self.deliveries() >= delivered_before + 4,
                       timeout=30, what="100 messages from each client and 4 deliveries")
            self.assertIsNone(source.poll(), "smtp-source must still be sending at the kill")
            self.relay.send_signal(signal.SIGKILL)
            self.relay.wait(timeout=10)
        finally:
            client.join()
        try:
            source.wait(timeout=10)  # it gives up once mfrelay is gone
        except subprocess.TimeoutExpired:
            source.kill()
            source.wait()
        self.assertEqual(client.refused, [], f"mfrelay refused messages before kill {round_ + 1}")
        # Without this the test would prove nothing: the kill found work in the spool.
        self.assertNotEqual(spool_files(self), [], f"the spool was empty at kill {round_ + 1}")
        return list(client.accepted), counter.value - SOURCE_SESSIONS

    def test_kill_9_five_times_while_sending_loses_no_acknowledged_message(self):
        accepted, source_floor = [], 0
        for round_ in range(KILLS):
            if round_ > 0:
                self.start_relay()  # the same slow smarthost, the same state_dir
            got, floor = self.load_and_kill(round_)
            accepted += got
            source_floor += floor
        delivered_before_restart = self.deliveries()

        # Restart on the same state_dir, now with a fast smarthost. The new sink dumps
        # into the same folder as the slow one, so the dumps are the union of both.
        fast = Sink(self)
        with open(self.config) as f:
            text = f.read()
        with open(self.config, "w") as f:
            f.write(re.sub(r'smarthost = "[^"]*"', f'smarthost = "{fast.address()}"', text))
        started = time.monotonic()
        self.start_relay()

        def missing():
            found = set()
            for m in self.sink.messages():
                sender = re.match(r"<([^@>]+)@", m["mail"])
                subject = re.search(r"^Subject: ([^\r\n]+)", m["text"], re.M)
                if sender and subject:
                    found.add((sender.group(1), subject.group(1)))
            return [a for a in accepted if a not in found]

        try:
            wait_until(lambda: not missing(), timeout=90, interval=0.5, what="every acknowledged message at the sink")
        except TimeoutError:
            lost = missing()
            self.fail(f"{len(lost)} of {len(accepted)} acknowledged messages never reached the sink, e.g. {lost[:5]}")
        # Every segment goes once its messages are delivered.
        wait_until(lambda: not spool_files(self), timeout=30, what="an empty spool/segments")
        elapsed = time.monotonic() - started

        def source_ids():
            ids = set()
            for m in self.sink.messages():
                sender = re.match(r"<([^@>]+)@", m["mail"])
                if sender and f"\nSubject: {SOURCE_SUBJECT}\n" in m["text"]:
                    ids.add(sender.group(1))
            return ids

        self.assertGreaterEqual(len(source_ids()), source_floor,
                                "fewer smtp-source messages at the sink than smtp-source saw acknowledged")
        self.assertEqual(spool_files(self, "quarantine"), [], "kill -9 must never leave a damaged record")
        dumps = self.sink.messages()
        print(f"\n{KILLS} x kill -9, {delivered_before_restart} delivered before the last restart; "
              f"python client: {len(accepted)} acknowledged; smtp-source: >= {source_floor} acknowledged, "
              f"{len(source_ids())} distinct at the sink; {len(dumps)} dumps in all (duplicates allowed); "
              f"spool drained {elapsed:.1f} s after the last restart")


if __name__ == "__main__":
    unittest.main()
