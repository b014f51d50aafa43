"""PROXY protocol (v1 and v2) behind a real HAProxy 2.6: the client address
the balancer puts in its header is the one mfrelay authenticates (`network`
auth), logs and writes into the Received header, through plain SMTP and
implicit TLS (whose handshake starts right after the header). A connection
without the header, or with one from outside proxy_networks, is closed
before the greeting."""
import smtplib
import socket
import ssl
import unittest

from harness import free_port, relay_config, wait_for_port
from relay_fixture import RelayTest

CLIENT = "127.0.0.2"      # the application, as HAProxy sees it
STRANGER = "127.0.0.3"    # another host behind the same balancer, not a trusted network
OUTSIDER = "127.0.0.5"    # not a balancer: may not send a PROXY header
MESSAGE = "From: app@example.com\r\nTo: reader@dest.example\r\nSubject: via haproxy\r\n\r\nhello\r\n"


class ProxyProtocol(RelayTest):
    def configure_relay(self):
        self.ports = {"plain": free_port(), "tls": free_port()}
        balancer = {"tls": "none", "auth": "network", "proxy_protocol": "true"}
        listeners = [dict(name="plain", address=f"127.0.0.1:{self.ports['plain']}", **balancer),
                     dict(name="tls", address=f"127.0.0.1:{self.ports['tls']}", **dict(balancer, tls="implicit"))]
        self.config = relay_config(
            self, dns_server=self.knot.server(), identities=self.identities, listeners=listeners,
            users=[{"name": "apps", "networks": [f"{CLIENT}/32"], "identities": ["*"]}],
            extra=f'[delivery]\nsmarthost = "{self.sink.address()}"\nretry_schedule = ["1s"]\n')
        # relay_config writes every listener key as a string: booleans and lists as TOML wants them.
        with open(self.config) as f:
            text = f.read()
        text = text.replace('proxy_protocol = "true"', 'proxy_protocol = true\nproxy_networks = ["127.0.0.1/32"]')
        with open(self.config, "w") as f:
            f.write(text)

    def start_relay(self):
        super().start_relay()
        self.front = {"v2": free_port(), "v1": free_port(), "tls": free_port()}
        backends = {"v2": (self.ports["plain"], "send-proxy-v2"), "v1": (self.ports["plain"], "send-proxy"),
                    "tls": (self.ports["tls"], "send-proxy-v2")}
        lines = ["global", "  maxconn 100", "defaults", "  mode tcp", "  timeout connect 5s",
                 "  timeout client 30s", "  timeout server 30s"]
        for name, (port, send) in backends.items():
            lines += [f"frontend f_{name}", f"  bind 127.0.0.1:{self.front[name]}", f"  default_backend b_{name}",
                      f"backend b_{name}", f"  server relay 127.0.0.1:{port} {send} source 127.0.0.1"]
        cfg = self.write("haproxy.cfg", "\n".join(lines) + "\n")
        proc = self.start(["/usr/sbin/haproxy", "-db", "-f", cfg])
        for port in self.front.values():
            wait_for_port(port, proc=proc)

    def send(self, front, source, use_ssl=False):
        if use_ssl:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            client = smtplib.SMTP_SSL("127.0.0.1", self.front[front], context=context, timeout=30,
                                      source_address=(source, 0))
        else:
            client = smtplib.SMTP("127.0.0.1", self.front[front], timeout=30, source_address=(source, 0))
        with client:
            return client.sendmail("app@example.com", ["reader@dest.example"], MESSAGE)

    def test_the_header_s_client_is_authenticated_logged_and_received(self):
        for front, use_ssl in (("v2", False), ("v1", False), ("tls", True)):
            with self.subTest(front=front):
                self.assertEqual(self.send(front, CLIENT, use_ssl), {})
        messages = self.sink_messages(3)
        for m in messages:
            ours = [line for line in m["text"].splitlines() if line.startswith("Received: from") and "by mfrelay.test" in line]
            self.assertTrue(ours and f"([{CLIENT}])" in ours[0], m["text"][:800])
        sends = self.events("Send")
        self.assertEqual(len(sends), 3)
        self.assertEqual({e["session"]["clientIp"] for e in sends}, {CLIENT})

    def test_another_client_behind_the_balancer_is_not_trusted(self):
        # Through the same balancer, from an address outside the user's networks: no relaying.
        with self.assertRaises(smtplib.SMTPSenderRefused) as refused:
            self.send("v2", STRANGER)
        self.assertEqual(refused.exception.smtp_code, 554)
        self.assertIn(b"not in any user's networks", refused.exception.smtp_error)
        self.assertEqual(self.events("Send"), [])

    def greeting(self, source, first_bytes):
        """What the relay says to a direct connection from `source` that sends `first_bytes`."""
        with socket.create_connection(("127.0.0.1", self.ports["plain"]), timeout=15,
                                      source_address=(source, 0)) as s:
            s.sendall(first_bytes)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    return data
                data += chunk

    def test_no_header_or_a_header_from_outside_is_closed_before_the_greeting(self):
        self.assertEqual(self.greeting("127.0.0.1", b"EHLO direct\r\n"), b"")
        self.assertEqual(self.greeting("127.0.0.1", b"PROXY TCP4 300.1.1.1 127.0.0.1 1 2\r\n"), b"")
        self.assertEqual(self.greeting(OUTSIDER, b"PROXY TCP4 127.0.0.2 127.0.0.1 40000 25\r\n"), b"")
        # The same header from the balancer's address is taken: the greeting follows.
        self.assertTrue(self.greeting("127.0.0.1", b"PROXY TCP4 127.0.0.2 127.0.0.1 40000 25\r\nQUIT\r\n")
                        .startswith(b"220 "))
        with open(self.relay.log_path) as f:
            log = f.read()
        self.assertIn("not in proxy_networks", log)
        self.assertIn("did not start with a PROXY protocol header", log)


if __name__ == "__main__":
    unittest.main()
