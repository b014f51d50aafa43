"""The spool's file system full, end to end: state_dir/spool is a 2 MiB tmpfs
mounted by the test (as root; skipped otherwise) before mfrelay starts.

What a client must see: 250 only for a message that is on disk, "452 4.3.1
Insufficient system storage" once it cannot be, and the session still usable
after it. What the operator must see: every message that got a 250 is
delivered (exactly once: nothing here drops a delivery connection), the
segments on disk hold exactly the acknowledged messages, each whole (checked
here with a reader of the record format of docs/spool.md, independent of
mfrelay's), nothing is quarantined, and once space is free again new
messages get 250 and are delivered."""
import errno
import hashlib
import json
import os
import shutil
import struct
import subprocess
import time
import unittest

from harness import identity, read_events, wait_until
from raw_smtp import RawClient, ehlo
from relay_fixture import RelayTest

SPOOL_SIZE = "2m"
BIG_LINES = 3400  # 78 octets a line: about 260 KiB a message, seven or so fill the tmpfs
RECORD_HEADER = struct.Struct("<4sc3xQQI4x")  # magic, kind, segment, data bytes, aux bytes, check


def spool_contents(spool):
    """(ids of the messages queued in spool/segments, names of other files there),
    every record's SHA-256 checked: what recovery would find.

    A running relay unlinks a segment once its last message is done, and appends
    records while it is read: a file listed may be gone when it is opened, and
    the last record may be half written. Both are read again a little later; a
    spool at rest (what the tests finally check) reads the same every time, so
    real damage is still reported."""
    for _ in range(50):
        try:
            return read_segments(os.path.join(spool, "segments"))
        except (FileNotFoundError, AssertionError) as e:
            last = e
            time.sleep(0.02)
    raise last


def read_segments(folder):
    live, others = set(), []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".seg"):
            others.append(name)
            continue
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
        offset = 0
        while offset + RECORD_HEADER.size <= len(data):
            header = data[offset:offset + RECORD_HEADER.size]
            if header == bytes(RECORD_HEADER.size):
                break
            magic, kind, _, data_size, aux_size = RECORD_HEADER.unpack(header)
            assert magic == b"MFSG", f"{name}: no record at {offset}"
            end = offset + RECORD_HEADER.size + data_size + aux_size
            body, digest = data[offset + RECORD_HEADER.size:end], data[end:end + 32]
            assert hashlib.sha256(body + header).digest() == digest, f"{name}: damaged record at {offset}"
            aux = body[data_size:].decode()
            if kind == b"M":
                live.add(json.loads(aux)["id"])
            else:
                live.discard(aux)
            offset = end + 32
    return live, others


class SpoolOnTmpfs(RelayTest):
    identities = identity("example.com")
    mount_options = f"size={SPOOL_SIZE}"

    def setUp(self):
        self.mounted = None
        super().setUp()  # a failure half-way still stops what started (TempDirTest's cleanup)

    def start_relay(self):
        if self.mounted is None:
            self.mount_spool()
        super().start_relay()

    def mount_spool(self):
        spool = self.path("var", "spool")
        os.makedirs(spool)
        try:
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"{self.mount_options},mode=0700", "tmpfs", spool],
                               capture_output=True, text=True, timeout=30)
            why = (r.stderr or r.stdout).strip() if r.returncode != 0 else None
        except OSError as e:  # no mount(8) at all
            why = str(e)
        if why is not None:
            self.skipTest(f"cannot mount a tmpfs ({self.mount_options}) at {spool} (needs root or CAP_SYS_ADMIN): "
                          f"{why}")
        self.mounted = spool
        self.addCleanup(self.unmount)

    def unmount(self):
        # Registered after TempDirTest's cleanup, so it runs first: stop mfrelay here,
        # then nothing holds the mount; the folder is removed by that cleanup.
        self.stop_processes()
        for _ in range(20):
            if subprocess.run(["umount", self.mounted], capture_output=True).returncode == 0:
                break
            time.sleep(0.25)
        else:
            subprocess.run(["umount", "-l", self.mounted], capture_output=True)

    # ---- helpers -------------------------------------------------------------

    def spool_files(self, sub):
        return sorted(os.listdir(self.path("var", "spool", sub)))

    def free_bytes(self):
        st = os.statvfs(self.mounted)
        return st.f_bavail * st.f_frsize

    def submit(self, client, subject, lines):
        """One transaction on an open session; the reply to "." and the id a 250 names."""
        self.assertEqual(client.command("MAIL FROM:<app@example.com>").code, 250)
        self.assertEqual(client.command("RCPT TO:<reader@dest.example>").code, 250)
        self.assertEqual(client.command("DATA").code, 354)
        body = "".join(f"{subject} line {n:05d} " + "x" * (76 - len(subject) - 12) + "\r\n" for n in range(lines))
        client.send(f"From: app@example.com\r\nTo: reader@dest.example\r\nSubject: {subject}\r\n\r\n")
        client.send(body)
        r = client.command(".")
        return r, (r.text.split()[-1] if r.code == 250 else None)

    def submit_one(self, subject, lines=BIG_LINES):
        with RawClient(self.ports["local"], timeout=30) as c:
            self.assertEqual(ehlo(c).code, 250)
            r, mid = self.submit(c, subject, lines)
            self.assertEqual(c.command("QUIT").code, 221)
        return r, mid

    def assert_queue_holds_exactly(self, ids):
        """The segments hold exactly the acknowledged messages, each whole; no
        unfinished big message (.spill) is left and nothing is quarantined."""
        live, others = spool_contents(self.path("var", "spool"))
        self.assertEqual(others, [], "a refused message left its partial file")
        self.assertEqual(self.spool_files("quarantine"), [])
        self.assertEqual(sorted(live), sorted(ids))

    def assert_delivered_once(self, ids, timeout=60):
        def missing():
            delivered = {e["mail"]["messageId"] for e in read_events(self) if e["eventType"] == "Delivery"}
            return [m for m in ids if m not in delivered]
        try:
            wait_until(lambda: not missing(), timeout=timeout, interval=0.25, what="every acknowledged message delivered")
        except TimeoutError:
            self.fail(f"acknowledged but never delivered: {missing()}")
        senders = [m["mail"].split()[0] for m in self.sink.messages()]
        for mid in ids:
            copies = [s for s in senders if s.startswith(f"<{mid}@")]
            self.assertEqual(len(copies), 1, f"{mid}: {len(copies)} copies at the sink")
        wait_until(lambda: not spool_contents(self.path("var", "spool"))[0], timeout=20, what="an empty spool")
        self.assertEqual(spool_contents(self.path("var", "spool"))[1], [])
        self.assertEqual(self.spool_files("quarantine"), [])


class DiskFull(SpoolOnTmpfs):
    def test_filling_the_spool_gives_452_and_never_a_250_it_cannot_keep(self):
        # The smarthost is down while the spool fills, so nothing drains it.
        self.sink.stop()
        accepted, refused = [], []
        for n in range(40):
            r, mid = self.submit_one(f"fill-{n:02d}")
            if r.code == 250:
                accepted.append(mid)
                continue
            self.assertEqual((r.code, r.text), (452, "4.3.1 Insufficient system storage"))
            refused.append(n)
            if len(refused) == 3:
                break
        self.assertEqual(len(refused), 3, f"the {SPOOL_SIZE} spool never filled up ({len(accepted)} accepted)")
        self.assertGreaterEqual(len(accepted), 3, "the spool took almost nothing before it was full")
        free_when_full = self.free_bytes()

        # The session that got a 452 goes on: it can RSET, and a message that still fits
        # is taken (whatever the answer, a 250 must again mean "on disk").
        with RawClient(self.ports["local"], timeout=30) as c:
            self.assertEqual(ehlo(c).code, 250)
            r, _ = self.submit(c, "too-big", BIG_LINES)
            self.assertEqual((r.code, r.text), (452, "4.3.1 Insufficient system storage"))
            self.assertEqual(c.command("RSET").code, 250)
            self.assertEqual(c.command("NOOP").code, 250)
            r, mid = self.submit(c, "tiny", 1)
            self.assertIn(r.code, (250, 452), r)
            if r.code == 250:
                accepted.append(mid)
            c.command("QUIT")

        self.assert_queue_holds_exactly(accepted)
        sends = {e["mail"]["messageId"] for e in read_events(self) if e["eventType"] == "Send"}
        self.assertEqual(sends, set(accepted), "a Send event for every 250, and only for those")

        # A restart with the spool still full recovers every acknowledged message.
        self.restart_relay()
        self.assert_queue_holds_exactly(accepted)

        # The smarthost comes back: the spool drains, every 250 reaches it once.
        self.sink.restart()
        self.assert_delivered_once(accepted)
        free_after = self.free_bytes()
        self.assertGreater(free_after, free_when_full + 1024 * 1024)

        # Space again: big messages get 250 and are delivered.
        again = []
        for n in range(3):
            r, mid = self.submit_one(f"again-{n}")
            self.assertEqual(r.code, 250, r)
            again.append(mid)
        self.assert_delivered_once(accepted + again)
        print(f"\n{SPOOL_SIZE} spool: {len(accepted)} messages acknowledged before the first 452 "
              f"({free_when_full // 1024} KiB free when full), all delivered; "
              f"{len(again)} more accepted after the spool drained")

    def test_space_taken_by_someone_else_then_freed(self):
        # Another writer fills the file system to the last block; even a small message
        # cannot be stored now.
        filler = os.path.join(self.mounted, "filler")
        with open(filler, "wb", buffering=0) as f:
            chunk = b"\0" * 65536
            try:
                while True:
                    f.write(chunk)
            except OSError as e:
                self.assertEqual(e.errno, errno.ENOSPC)
        self.assertLess(self.free_bytes(), 4096)
        small = 40  # lines: about 3 KiB
        r, _ = self.submit_one("while-full", small)
        self.assertEqual((r.code, r.text), (452, "4.3.1 Insufficient system storage"))
        self.assertEqual(spool_contents(self.path("var", "spool")), (set(), []))
        self.assertEqual([e for e in read_events(self) if e["eventType"] == "Send"], [])

        os.unlink(filler)
        ids = []
        for n in range(3):
            r, mid = self.submit_one(f"after-free-{n}")
            self.assertEqual(r.code, 250, r)
            ids.append(mid)
        self.assert_delivered_once(ids)
        self.assertEqual(len(self.sink.messages()), 3, "the refused message was not delivered")


class OutOfInodes(SpoolOnTmpfs):
    # Room for the spool's root, segments/, quarantine/ and nine files. Small
    # messages share a segment; a big one (over 256 KiB) gets a file of its own,
    # so the tenth or so cannot even be created (ENOSPC from open, not from write).
    mount_options = "size=8m,nr_inodes=12"

    def test_no_inode_left_gives_452_and_loses_nothing(self):
        self.sink.stop()  # nothing drains the spool meanwhile
        accepted = []
        for n in range(12):
            r, mid = self.submit_one(f"inode-{n:02d}")
            if r.code != 250:
                self.assertEqual((r.code, r.text), (452, "4.3.1 Insufficient system storage"))
                break
            accepted.append(mid)
        else:
            self.fail("twelve files fit in a file system with room for nine")
        self.assertIn(len(accepted), range(6, 10), "room for nine files, less only if the kernel keeps more inodes")
        self.assert_queue_holds_exactly(accepted)
        self.sink.restart()
        self.assert_delivered_once(accepted)
        r, mid = self.submit_one("inode-after", 20)
        self.assertEqual(r.code, 250, r)
        self.assert_delivered_once(accepted + [mid])


class SpoolDirectoryGone(SpoolOnTmpfs):
    def test_io_error_gives_451_and_nothing_is_acknowledged(self):
        r, first = self.submit_one("before", 20)
        self.assertEqual(r.code, 250, r)
        self.assert_delivered_once([first])
        # segments/ vanishes under the running relay (an operator's rm -rf, a broken
        # mount): the open segment is found deleted after its flush and a new one
        # cannot be created (ENOENT): an I/O error, not "full", and never a 250.
        shutil.rmtree(self.path("var", "spool", "segments"))
        r, _ = self.submit_one("while-gone", 20)
        self.assertEqual((r.code, r.text), (451, "4.3.0 Temporary service failure"))
        self.assertEqual([e for e in read_events(self) if e["eventType"] == "Send"
                          and e["mail"]["commonHeaders"]["subject"] == "while-gone"], [])
        # A restart makes the directory again and mail flows.
        self.restart_relay()
        r, mid = self.submit_one("after", 20)
        self.assertEqual(r.code, 250, r)
        self.assert_delivered_once([first, mid])
        self.assertEqual(len(self.sink.messages()), 2, "the refused message was delivered")


if __name__ == "__main__":
    unittest.main()
