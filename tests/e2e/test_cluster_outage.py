"""PostgreSQL stopped for 30 s under load (README "Running several nodes"):
three nodes behind HAProxy keep accepting into their own spools and deciding
from the last state they saw, say so in /readyz and mfrelay_store_up, and
recover by themselves when it returns: every acknowledged message reaches the
sink, the sent-message index rows written meanwhile land in the database, and
exactly one verifier is elected again."""
import time
import unittest

from admin_client import request
from harness import wait_until
from submitter import Submitter
from test_cluster import CLIENT, ClusterTest
from test_cluster_verifier import metric

OUTAGE = 30.0  # seconds without the database


def readyz(node):
    try:
        r = request(node.ports["admin"], "GET", "/readyz", timeout=5)
    except OSError:
        return None
    return r.text()


class DatabaseStoppedUnderLoad(ClusterTest):
    def test_thirty_seconds_without_postgresql_lose_nothing_and_recover(self):
        nodes = self.cluster.nodes
        load = Submitter(self.cluster.front["smtp"], 3, prefix="outage", source=CLIENT, reconnect=True, pause=0.05)
        try:
            wait_until(lambda: load.count() >= 30, timeout=60, what="30 messages accepted before the outage")
            self.pg.pause()
            stopped = time.monotonic()
            for n in nodes:
                wait_until(lambda: readyz(n) == "ready\nstore: down\n", timeout=10, what=f"{n.name}: store: down")
                self.assertEqual(metric(n, "mfrelay_store_up"), 0.0, n.name)
            during = load.count()
            wait_until(lambda: time.monotonic() - stopped >= OUTAGE, timeout=OUTAGE + 10, interval=0.5,
                       what=f"{OUTAGE:.0f} s without PostgreSQL")
            self.assertGreaterEqual(load.count(), during + 30, "the nodes kept accepting while the database was away")
            self.assertEqual(load.refused, [], "nothing refused while the database was away")
            self.pg.resume()
            for n in nodes:
                wait_until(lambda: readyz(n) == "ready\nstore: up\n", timeout=30, what=f"{n.name}: store: up again")
        finally:
            load.join()
        self.assertEqual(load.refused, [])
        want = {subject for _, subject in load.accepted}
        wait_until(lambda: want <= set(self.subjects_at_sink()), timeout=120,
                   what=f"all {len(want)} acknowledged messages at the sink")
        wait_until(lambda: int(self.pg.sql("SELECT count(*) FROM sent_message")[0][0]) >= len(want), timeout=60,
                   what="every sent message's index row in PostgreSQL, those of the outage too")
        wait_until(lambda: sorted(metric(n, "mfrelay_verifier") or 0.0 for n in nodes) == [0.0, 0.0, 1.0], timeout=20,
                   what="exactly one verifier again")
        print(f"{len(want)} messages acknowledged, {len(want)} delivered; the outage lasted {OUTAGE:.0f} s")


if __name__ == "__main__":
    unittest.main()
