"""What the scripts/bench_* scripts share: where the tree and the mfrelay binary
are, a workspace folder with the processes started in it, and CPU and memory
readings from /proc. Importing it puts tests/e2e on sys.path, so the bench
scripts import the end-to-end helpers (harness, knot, admin_client) after it."""
import os
import re
import shutil
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from harness import ProcessFolder  # noqa: E402

BUILD = os.environ.get("MFRELAY_BUILD_DIR", os.path.join(ROOT, "build"))
MFRELAY = os.path.join(BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD), "relay", "mfrelay")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Workspace(ProcessFolder):
    """The temp folder and the processes started in it (what tests/e2e/knot.py expects of a test)."""

    def __init__(self, prefix, parent=None):
        self.dir = tempfile.mkdtemp(prefix=prefix, dir=parent)
        os.chmod(self.dir, 0o755)  # Postfix's and smtp-sink's unprivileged users must reach their folders
        self.processes = []

    def close(self, keep=False):
        self.stop_processes()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def proc_stat(pid):
    """The fields of /proc/PID/stat after the command name (fields[1] is the parent's pid)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid, children=False):
    """utime + stime of pid; with children, also of its reaped children (cutime + cstime)."""
    fields = proc_stat(pid)
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))


def context_switches(pid):
    """Voluntary + involuntary context switches of every live thread of pid (each
    thread keeps its own count in /proc/PID/task/TID/status; /proc/PID/status
    counts the main thread only). Threads that already exited are not counted."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for m in re.finditer(r"^(?:non)?voluntary_ctxt_switches:\s+(\d+)", f.read(), re.M):
                    total += int(m.group(1))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def thread_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except FileNotFoundError:
        return 0
