"""scripts/cluster: `up N` starts a private PostgreSQL (tests/e2e/postgres_instance.py)
and N mfrelay nodes sharing it behind HAProxy (tests/e2e/cluster.py, the same cluster
the end-to-end test runs) and leaves them running; `down` stops them. What `up`
started is listed in var/cluster/cluster.json: the pids, and the PostgreSQL folder,
port and user (its server is pg_ctl's, not a child of ours: `down` stops it with pg_ctl)."""
import json
import os
import shutil
import signal
import sys
import time

from bench_common import ROOT  # puts tests/e2e on sys.path
from harness import ProcessFolder
from postgres_instance import PostgresInstance

STATE = os.path.join(ROOT, "var", "cluster")
LIST = os.path.join(STATE, "cluster.json")


class KeptFolder(ProcessFolder):
    """A ProcessFolder whose processes outlive this script: each in its own session,
    its pid written down for `down`."""

    def __init__(self, path):
        self.dir = path
        self.processes = []
        self.postgres = None  # {"dir", "port", "user"} once it runs

    def start(self, argv, **kwargs):
        proc = super().start(argv, start_new_session=True, **kwargs)
        self.save()
        return proc

    def save(self):
        with open(LIST, "w") as f:
            json.dump({"pids": [p.pid for p in self.processes], "postgres": self.postgres}, f)


def up(nodes):
    if os.path.exists(LIST):
        sys.exit(f"a cluster is already up ({LIST}); scripts/cluster down first")
    os.makedirs(STATE, mode=0o755, exist_ok=True)
    os.chmod(STATE, 0o755)  # smtp-sink drops to nobody, who must reach its folder
    from cluster import Cluster  # after the bench_common import: tests/e2e is on sys.path
    folder = KeptFolder(STATE)
    pg = PostgresInstance(parent=STATE)  # its folder inside ours, which its user (under root) can reach
    try:
        url = pg.start()
    except BaseException:
        pg.stop()
        shutil.rmtree(STATE, ignore_errors=True)
        raise
    folder.postgres = {"dir": pg.dir, "port": pg.port, "user": pg.user}
    folder.save()
    try:
        cluster = Cluster(folder, nodes, store_url=url)
    except BaseException:
        down()
        raise
    print(f"{nodes} nodes up, sharing PostgreSQL {url}; logs and configs under {STATE}")
    for line in cluster.describe():
        print("  " + line)
    print("try: swaks --server 127.0.0.1:%d --from app@example.com --to reader@dest.example" % cluster.front["smtp"])
    print("stop: scripts/cluster down")


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def down():
    if not os.path.exists(LIST):
        print("no cluster is up")
        return
    with open(LIST) as f:
        listed = json.load(f)
    pids = listed["pids"]
    for pid in reversed(pids):  # the balancer first, then the nodes, the sink and knotd
        if alive(pid):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    if listed.get("postgres"):  # after the nodes, which keep connections to it until they exit
        pg = PostgresInstance()
        pg.dir, pg.port, pg.user = listed["postgres"]["dir"], listed["postgres"]["port"], listed["postgres"]["user"]
        pg.running = True
        pg.stop()
        print(f"stopped PostgreSQL on 127.0.0.1:{pg.port}")
    shutil.rmtree(STATE, ignore_errors=True)
    print(f"stopped {len(pids)} processes; removed {STATE}")


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "up":
        nodes = int(sys.argv[2]) if len(sys.argv) > 2 else 3
        if not 1 <= nodes <= 16:
            sys.exit("scripts/cluster up N: N from 1 to 16")
        up(nodes)
    elif what == "down":
        down()
    else:
        sys.exit("usage: scripts/cluster up [N] | down")


if __name__ == "__main__":
    main()
