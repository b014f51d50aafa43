"""A private Postfix instance on loopback, for the tests that need a real
recipients' server (tests/e2e/test_feedback_listener.py) and for the peer of
`scripts/bench smtp`: its own queue, data and configuration folders under a
test's folder, listening on one loopback port, no local delivery, no chroot.
Needs root (Postfix's own user and group own its queue)."""
import os
import pwd
import subprocess
import time

POSTFIX = "/usr/sbin/postfix"

# Only the services a relay needs, as in Debian's master.cf, without chroot (a
# private instance has no chroot jail prepared).
MASTER_CF = """\
{listen}  inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def configure(folder, listen, myhostname, mydomain, settings=""):
    """Writes postfix/etc/{master,main}.cf under `folder` (a harness.ProcessFolder) and makes the queue and data
    folders. `settings`: more main.cf lines (relay_domains, relayhost, maps). Returns the configuration folder,
    for `postfix -c`."""
    base = folder.path("postfix")
    folder.write("postfix/etc/master.cf", MASTER_CF.format(listen=listen))
    folder.write("postfix/etc/main.cf", f"""compatibility_level = 3.6
queue_directory = {base}/queue
data_directory = {base}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = {myhostname}
mydomain = {mydomain}
myorigin = $myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
maillog_file = {base}/maillog
maillog_file_prefixes = {base}
""" + settings)
    os.makedirs(os.path.join(base, "queue"))
    os.makedirs(os.path.join(base, "data"))
    owner = pwd.getpwnam("postfix")
    os.chown(os.path.join(base, "data"), owner.pw_uid, owner.pw_gid)
    return os.path.join(base, "etc")


def run(conf, *args):
    return subprocess.run([POSTFIX, "-c", conf, *args], capture_output=True, text=True, timeout=60)


def master_pid(conf):
    """The running master's pid, from the queue folder next to `conf`, or None."""
    try:
        with open(os.path.join(os.path.dirname(conf), "queue", "pid", "master.pid")) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def stop(conf):
    """postfix stop, then waits (20 s at most) for the master to go; postfix abort if it did not."""
    master = master_pid(conf)
    run(conf, "stop")
    deadline = time.monotonic() + 20
    while master and os.path.exists(f"/proc/{master}") and time.monotonic() < deadline:
        time.sleep(0.1)
    if master and os.path.exists(f"/proc/{master}"):
        run(conf, "abort")
