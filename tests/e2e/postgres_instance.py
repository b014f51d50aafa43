"""A private PostgreSQL 15 for the tests (tests/e2e/test_postgres_store.py) and
for scripts that run several nodes: initdb into a temporary folder, run as an
unprivileged user (PostgreSQL refuses to run as root: under root a system user
`mfrelay-test` is made when missing and owns the folder), listening only on
127.0.0.1 at an ephemeral port and on a unix socket in that folder; one
database, whose libpq URL `start()` returns. `stop()` shuts it down (pg_ctl
stop -m fast) and removes the folder; `pause()`/`resume()` stop and start the
server on the same data and port (the database going away for a while).
Import it with tests/e2e on sys.path; needs only the standard library."""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

BIN = "/usr/lib/postgresql/15/bin"
TEST_USER = "mfrelay-test"


def _free_port():
    try:
        from harness import free_port  # the tests' port claims, when the harness is there
        return free_port()
    except ImportError:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def _ensure_user():
    """The user the server runs as: ourselves, or under root the system user TEST_USER."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["adduser", "--system", "--group", "--no-create-home", "--quiet", TEST_USER], check=True)
    return TEST_USER


class PostgresInstance:
    def __init__(self, database="mfrelay", parent=None):
        """`parent`: where the temporary folder goes (default: the system's); under root
        the server's user must be able to reach it."""
        self.database = database
        self.parent = parent
        self.dir = None
        self.port = None
        self.user = None
        self.running = False

    @property
    def data(self):
        return os.path.join(self.dir, "data")

    @property
    def url(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, argv, check=True):
        if self.user:
            argv = ["runuser", "-u", self.user, "--"] + argv
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stdout}{r.stderr}")
        return r

    def start(self):
        """initdb, start, createdb; returns the URL."""
        self.user = _ensure_user()
        self.dir = tempfile.mkdtemp(prefix="mfrelay-pg-", dir=self.parent)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        os.chmod(self.dir, 0o755)  # the unix socket lives here; the data folder itself is 0700
        self.port = _free_port()
        self._run([f"{BIN}/initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                   "--no-sync"])
        self.resume()
        self._run([f"{BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database])
        return self.url

    def resume(self):
        """Starts the server (again) on the same data folder and port."""
        # fsync off: a test database need not survive a power cut, and the CI disk is shared.
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off "
                   "-c max_connections=50 -c shared_buffers=16MB")
        r = self._run([f"{BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w", "-t",
                       "30", "-o", options, "start"], check=False)
        if r.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {r.stdout}{r.stderr}\n{self.log()}")
        self.running = True

    def pause(self):
        """Stops the server (fast: open connections are cut), keeping the data."""
        if self.running:
            self._run([f"{BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"], check=False)
            self.running = False

    def stop(self):
        """Stops the server and removes its folder."""
        if self.dir is None:
            return
        self.pause()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def log(self):
        try:
            with open(os.path.join(self.dir, "server.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def sql(self, query):
        """Runs `query` with psql; the rows, each a list of column texts."""
        r = subprocess.run([f"{BIN}/psql", "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", self.url,
                            "-c", query], check=True, capture_output=True, text=True, timeout=30)
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def wait_accepting(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = subprocess.run([f"{BIN}/pg_isready", "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True)
            if r.returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError("PostgreSQL did not come up")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
