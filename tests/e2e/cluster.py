"""Several mfrelay nodes behind one HAProxy 2.6 that sends PROXY v2, as a team
that outgrew one relay runs them: a knotd serves their DNS, an smtp-sink is
their smarthost, and with a store URL they share one PostgreSQL. Everything
listens on loopback. Used by tests/e2e/test_cluster.py (processes stopped by
the test) and scripts/cluster (processes kept running until `down`)."""
import json
import os
import signal
import smtplib
import socket
import struct

from harness import ADMIN_KEY_ID, ADMIN_SECRET, MFRELAY, free_port, stop_process, toml_list, wait_for_port
from knot import Knot
from sink import Sink

HAPROXY = "/usr/sbin/haproxy"
FEEDBACK = "feedback-smtp.us-west-2.amazonses.com."
BALANCER = "127.0.0.1"  # the only address allowed to send a PROXY header

# An identity with a custom MAIL FROM domain whose records knotd serves, so every
# node's verifier makes it Success.
ZONES = {"example.com": [f"bounce IN MX 10 {FEEDBACK}", 'bounce IN TXT "v=spf1 include:amazonses.com ~all"']}
IDENTITIES = '[[identity]]\nname = "example.com"\nmail_from_domain = "bounce.example.com"\n'


def proxy_v2_header(client, server):
    """A PROXY protocol v2 header (PROXY command, TCP over IPv4) saying `client` (address, port)
    connected to `server` (address, port), as HAProxy's send-proxy-v2 writes it."""
    addresses = socket.inet_aton(client[0]) + socket.inet_aton(server[0]) + struct.pack("!HH", client[1], server[1])
    return b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x11]) + struct.pack("!H", len(addresses)) + addresses


class ProxiedSMTP(smtplib.SMTP):
    """smtplib straight to one node's listener, speaking as the balancer: from BALANCER, with a
    PROXY v2 header naming `client` first (the listeners take no connection without one)."""

    def __init__(self, port, client, **kwargs):
        self.client_address = client
        super().__init__("127.0.0.1", port, source_address=(BALANCER, 0), **kwargs)

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)
        sock.sendall(proxy_v2_header((self.client_address, 40000), (host, port)))
        return sock


class Node:
    """One relay: its folder, ports and (while it runs) process."""

    def __init__(self, cluster, index):
        self.index = index
        self.name = f"node{index + 1}"
        self.dir = cluster.folder.path(self.name)
        self.ports = {"smtp": free_port(), "feedback": free_port(), "admin": free_port()}
        self.config = os.path.join(self.dir, "conf", "mfrelay.toml")
        self.proc = None

    def events_path(self):
        return os.path.join(self.dir, "var", "log", "events.jsonl")

    def events(self, kind=None):
        """This node's events so far, of one eventType when `kind` is given (a line still being
        written is left for later)."""
        try:
            with open(self.events_path()) as f:
                text = f.read()
        except FileNotFoundError:
            return []
        text = text[:text.rfind("\n") + 1]
        return [e for e in map(json.loads, text.splitlines()) if kind is None or e["eventType"] == kind]


class Cluster:
    def __init__(self, folder, nodes, store_url=None, identities=IDENTITIES, client_networks=("127.0.0.0/8",),
                 verification_interval="1s", sink_options=()):
        """folder: a ProcessFolder (a test, or scripts/cluster's kept folder) that owns every process.
        store_url: a PostgreSQL URL for [store]; None keeps each node on its own SQLite state."""
        self.folder = folder
        self.store_url = store_url
        self.identities = identities
        self.client_networks = list(client_networks)
        self.verification_interval = verification_interval
        self.knot = Knot(folder, ZONES)
        self.sink = Sink(folder, sink_options)
        self.nodes = [Node(self, i) for i in range(nodes)]
        for node in self.nodes:
            self.write_node(node)
            self.start_node(node)
        self.front = {"smtp": free_port(), "feedback": free_port(), "admin": free_port()}
        self.haproxy = self.start_haproxy()

    # ---- nodes ---------------------------------------------------------------------------

    def write_node(self, node):
        store = f'[store]\nkind = "postgresql"\nurl = "{self.store_url}"\n' if self.store_url else ""
        behind = f'proxy_protocol = true\nproxy_networks = ["{BALANCER}/32"]\n'
        text = f"""[relay]
hostname = "{node.name}.cluster.test"
region = "us-west-2"
state_dir = "../var"
policy_dir = "policy.d"
drain_timeout = "5s"

[[listener]]
name = "smtp"
address = "127.0.0.1:{node.ports['smtp']}"
tls = "none"
auth = "network"
{behind}
[[listener]]
name = "mx"
address = "127.0.0.1:{node.ports['feedback']}"
tls = "none"
role = "feedback"
{behind}
[[user]]
name = "apps"
networks = {toml_list(self.client_networks)}
identities = ["*"]

[delivery]
smarthost = "{self.sink.address()}"
retry_schedule = ["1s"]

[dns]
servers = ["{self.knot.server()}"]
timeout = "500ms"
tries = 1

[verification]
pending_interval = "{self.verification_interval}"
success_interval = "{self.verification_interval}"
retry_interval = "{self.verification_interval}"

[events]
file = "../var/log/events.jsonl"

[admin]
address = "127.0.0.1:{node.ports['admin']}"

[[admin.key]]
access_key_id = "{ADMIN_KEY_ID}"
secret_access_key = "{ADMIN_SECRET}"

{store}"""
        os.makedirs(os.path.join(node.dir, "conf", "policy.d"), exist_ok=True)
        with open(node.config, "w") as f:
            f.write(text)
        with open(os.path.join(node.dir, "conf", "policy.d", "identities.toml"), "w") as f:
            f.write(self.identities)

    def start_node(self, node):
        node.proc = self.folder.start([MFRELAY, "serve", "-c", node.config])
        for port in node.ports.values():
            wait_for_port(port, proc=node.proc, timeout=30)

    def kill_node(self, node, sig=signal.SIGKILL):
        node.proc.send_signal(sig)
        node.proc.wait(timeout=30)

    # ---- the balancer --------------------------------------------------------------------

    def start_haproxy(self):
        """SMTP and feedback to every node with PROXY v2 (checks too, so a dead node leaves
        the rotation within a second and a refused connection is redispatched); the admin
        API passed through as plain TCP (its callers authenticate by key, not address)."""
        lines = ["global", "  maxconn 2000", "defaults", "  mode tcp", "  timeout connect 2s",
                 "  timeout client 60s", "  timeout server 60s", "  retries 3", "  option redispatch"]
        for role in ("smtp", "feedback", "admin"):
            send = "send-proxy-v2 check-send-proxy " if role != "admin" else ""
            lines += [f"frontend {role}", f"  bind 127.0.0.1:{self.front[role]}", f"  default_backend {role}_nodes",
                      f"backend {role}_nodes", "  balance roundrobin"]
            lines += [f"  server {n.name} 127.0.0.1:{n.ports[role]} {send}source {BALANCER} "
                      f"check inter 300ms fall 2 rise 1" for n in self.nodes]
        cfg = self.folder.write("haproxy.cfg", "\n".join(lines) + "\n")
        proc = self.folder.start([HAPROXY, "-db", "-f", cfg])
        for port in self.front.values():
            wait_for_port(port, proc=proc)
        return proc

    def stop(self):
        """Nodes first (they drain), then the balancer, the sink and knotd."""
        for node in self.nodes:
            if node.proc and node.proc.poll() is None:
                stop_process(node.proc, timeout=30)
        stop_process(self.haproxy)
        self.sink.stop()
        self.knot.stop()

    def describe(self):
        """What an operator needs to try it out, one line each."""
        lines = [f"SMTP (through HAProxy, PROXY v2): 127.0.0.1:{self.front['smtp']}",
                 f"feedback MX (through HAProxy):    127.0.0.1:{self.front['feedback']}",
                 f"admin API (through HAProxy):      http://127.0.0.1:{self.front['admin']}  "
                 f"key {ADMIN_KEY_ID} / {ADMIN_SECRET}",
                 f"DNS (knotd):                      {self.knot.server()}",
                 f"smarthost sink (smtp-sink dumps): {self.sink.dir}"]
        for n in self.nodes:
            lines.append(f"{n.name}: smtp {n.ports['smtp']}, feedback {n.ports['feedback']}, "
                         f"admin {n.ports['admin']}, config {n.config}")
        if self.store_url:
            lines.append(f"store: {self.store_url}")
        return lines

