"""The spool's file system full, end to end: state_dir/spool is a 2 MiB tmpfs
mounted by the test (as root; skipped otherwise) before mfrelay starts.

What a client must see: 250 only for a message that is on disk, "452 4.3.1
Insufficient system storage" once it cannot be, and the session still usable
after it. What the operator must see: every message that got a 250 is
delivered (exactly once: nothing here drops a delivery connection), nothing
half-written stays in spool/incoming or spool/queue, nothing is quarantined,
and once space is free again new messages get 250 and are delivered."""
import errno
import os
import subprocess
import time
import unittest

from harness import identity, read_events_safely, wait_until
from raw_smtp import RawClient, ehlo
from relay_fixture import RelayTest

SPOOL_SIZE = "2m"
BIG_LINES = 3400  # 78 octets a line: about 260 KiB a message, seven or so fill the tmpfs
TRAILER_SIZE = 16 + 20 + 1 + 10 + 1 + 64 + 1  # "mfrelay-spool 1 " DATA ENV SHA256 "\n"


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
        """spool/queue holds one whole file per acknowledged message and nothing else;
        spool/incoming and spool/quarantine are empty."""
        self.assertEqual(self.spool_files("incoming"), [], "a refused message left its partial file")
        self.assertEqual(self.spool_files("quarantine"), [])
        self.assertEqual(self.spool_files("queue"), sorted(ids))
        for mid in ids:
            path = self.path("var", "spool", "queue", mid)
            size = os.path.getsize(path)
            with open(path, "rb") as f:
                f.seek(size - TRAILER_SIZE)
                trailer = f.read().decode("ascii", "replace")
            self.assertTrue(trailer.startswith("mfrelay-spool 1 ") and trailer.endswith("\n"), f"{mid}: {trailer!r}")
            data_size, env_size = int(trailer.split()[2]), int(trailer.split()[3])
            self.assertEqual(data_size + env_size + TRAILER_SIZE, size, f"{mid} is not whole")

    def assert_delivered_once(self, ids, timeout=60):
        def missing():
            delivered = {e["mail"]["messageId"] for e in read_events_safely(self) if e["eventType"] == "Delivery"}
            return [m for m in ids if m not in delivered]
        try:
            wait_until(lambda: not missing(), timeout=timeout, interval=0.25, what="every acknowledged message delivered")
        except TimeoutError:
            self.fail(f"acknowledged but never delivered: {missing()}")
        senders = [m["mail"].split()[0] for m in self.sink.messages()]
        for mid in ids:
            copies = [s for s in senders if s.startswith(f"<{mid}@")]
            self.assertEqual(len(copies), 1, f"{mid}: {len(copies)} copies at the sink")
        wait_until(lambda: not self.spool_files("queue"), timeout=20, what="an empty spool/queue")
        self.assertEqual(self.spool_files("incoming"), [])
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
        sends = {e["mail"]["messageId"] for e in read_events_safely(self) if e["eventType"] == "Send"}
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
        self.assertEqual(self.spool_files("incoming"), [])
        self.assertEqual(self.spool_files("queue"), [])
        self.assertEqual([e for e in read_events_safely(self) if e["eventType"] == "Send"], [])

        os.unlink(filler)
        ids = []
        for n in range(3):
            r, mid = self.submit_one(f"after-free-{n}")
            self.assertEqual(r.code, 250, r)
            ids.append(mid)
        self.assert_delivered_once(ids)
        self.assertEqual(len(self.sink.messages()), 3, "the refused message was not delivered")


class OutOfInodes(SpoolOnTmpfs):
    # Room for the spool's root, incoming/, queue/, quarantine/ and eight files: the
    # ninth message cannot even be created (ENOSPC from open, not from write).
    mount_options = "size=8m,nr_inodes=12"

    def test_no_inode_left_gives_452_and_loses_nothing(self):
        self.sink.stop()  # nothing drains the spool meanwhile
        accepted = []
        for n in range(12):
            r, mid = self.submit_one(f"inode-{n:02d}", 20)
            if r.code != 250:
                self.assertEqual((r.code, r.text), (452, "4.3.1 Insufficient system storage"))
                break
            accepted.append(mid)
        else:
            self.fail("twelve files fit in a file system with room for eight")
        self.assertIn(len(accepted), range(6, 9), "room for eight files, less only if the kernel keeps more inodes")
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
        # incoming/ vanishes under the running relay (an operator's rm -rf, a broken
        # mount): creating a message file fails with ENOENT, an I/O error, not "full".
        os.rmdir(self.path("var", "spool", "incoming"))
        r, _ = self.submit_one("while-gone", 20)
        self.assertEqual((r.code, r.text), (451, "4.3.0 Temporary service failure"))
        self.assertEqual([e for e in read_events_safely(self) if e["eventType"] == "Send"
                          and e["mail"]["commonHeaders"]["subject"] == "while-gone"], [])
        # A restart makes the directory again and mail flows.
        self.restart_relay()
        r, mid = self.submit_one("after", 20)
        self.assertEqual(r.code, 250, r)
        self.assert_delivered_once([first, mid])
        self.assertEqual(len(self.sink.messages()), 2, "the refused message was delivered")


if __name__ == "__main__":
    unittest.main()
