"""An SMTP server for the end-to-end tests, run as its own process: Python's
aiosmtpd on a loopback address, optionally with STARTTLS or implicit TLS (a
certificate the test made), AUTH PLAIN/LOGIN against one user (only after TLS),
and per-recipient answers. Every accepted transaction is written as one JSON
file {"mail_from", "rcpt_tos", "data", "connection", "transaction"} in --dump
(connection: a number per connection; transaction: MAIL FROMs on it so far,
this one included). connections.json there holds {"open", "max", "total"}: the
connections open now, the most ever open at once, and all so far. --delay makes
the reply to the data wait, so that connections overlap. Stops on SIGTERM.

    aiosmtpd_peer.py --host 127.0.0.1 --port N --dump DIR [--tls starttls|implicit]
        [--cert PEM --key PEM] [--user U --password P]
        [--reply RCPT=CODE TEXT]...   e.g. --reply "nobody@example.net=550 5.1.1 User unknown"
        [--reply "*=451 4.3.0 try later"]  (every recipient)  [--delay SECONDS]
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class ConnectionCounter:
    """Connections open now, the most at once, and in all; written to connections.json on each change."""

    def __init__(self, dump):
        self.path = os.path.join(dump, "connections.json")
        self.open = self.max = self.total = 0
        self.lock = threading.Lock()
        self.write()

    def opened(self):
        with self.lock:
            self.open += 1
            self.total += 1
            self.max = max(self.max, self.open)
            self.write()
            return self.total

    def closed(self):
        with self.lock:
            self.open -= 1
            self.write()

    def write(self):
        with open(self.path + ".tmp", "w") as f:
            json.dump({"open": self.open, "max": self.max, "total": self.total}, f)
        os.rename(self.path + ".tmp", self.path)


class CountingController(Controller):
    def __init__(self, handler, counter, **kwargs):
        self.counter = counter
        super().__init__(handler, **kwargs)

    def factory(self):
        counter = self.counter

        class CountingSMTP(SMTP):
            def connection_made(self, transport):
                super().connection_made(transport)
                self.session.connection_number = counter.opened()
                self.session.transactions = 0

            def connection_lost(self, exc):
                counter.closed()
                super().connection_lost(exc)

        return CountingSMTP(self.handler, **self.SMTP_kwargs)


class Handler:
    def __init__(self, dump, replies, delay=0.0):
        self.dump = dump
        self.replies = replies
        self.delay = delay
        self.count = 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        session.transactions = getattr(session, "transactions", 0) + 1
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.replies.get(address.lower()) or self.replies.get("*")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.count += 1
            name = os.path.join(self.dump, f"{time.time_ns()}-{self.count}.json")
        record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                  "data": envelope.original_content.decode("utf-8", "surrogateescape"),
                  "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
                  "auth": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
                  "connection": getattr(session, "connection_number", 0),
                  "transaction": getattr(session, "transactions", 0)}
        with open(name + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)  # whole files only, for the test reading the folder
        return "250 2.0.0 Ok: queued"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dump", required=True)
    p.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--reply", action="append", default=[])
    p.add_argument("--delay", type=float, default=0.0)
    a = p.parse_args()

    replies = {}
    for r in a.reply:
        rcpt, _, text = r.partition("=")
        replies[rcpt.lower()] = text
    handler = Handler(a.dump, replies, a.delay)
    context = None
    if a.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    kwargs = {"hostname": a.host, "port": a.port, "server_hostname": "peer.test"}
    if a.user:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == a.user
                  and auth_data.password.decode() == a.password)
            return AuthResult(success=ok, handled=False, auth_data=auth_data)
        # aiosmtpd 1.4 counts only STARTTLS as TLS; under implicit TLS every byte is already encrypted.
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=a.tls != "implicit")
    if a.tls == "starttls":
        kwargs.update(tls_context=context, require_starttls=bool(a.user))
    elif a.tls == "implicit":
        kwargs.update(ssl_context=context)
    controller = CountingController(handler, ConnectionCounter(a.dump), **kwargs)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    print(f"listening on {a.host}:{a.port} tls={a.tls}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
