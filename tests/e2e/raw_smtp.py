"""A raw SMTP client for the end-to-end safety tests: it sends exactly the
bytes a test gives it (smtplib would normalise line ends and dot-stuff) and
reads replies with bounded waits. Also a capturing smarthost that records the
exact bytes mfrelay's delivery client puts on the wire. Loopback only."""
import re
import socket
import socketserver
import ssl
import threading
import time

REPLY_LINE = re.compile(rb"^(\d{3})([ -])(.*)$")


class ConnectionClosed(Exception):
    """The server closed the connection before a whole reply arrived."""


class Reply:
    def __init__(self, code, lines):
        self.code = code
        self.lines = lines  # the text of each line, after "ddd-" / "ddd "

    @property
    def text(self):
        """The last line's text, e.g. '5.6.0 Message rejected: ...'."""
        return self.lines[-1]

    def __str__(self):
        return "\n".join(f"{self.code} {line}" for line in self.lines)

    __repr__ = __str__


def tls_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # mfrelay's self-signed test certificate
    return context


class RawClient:
    """One SMTP connection. `buffer` holds bytes received but not parsed yet."""

    def __init__(self, port, host="127.0.0.1", source=None, implicit_tls=False, timeout=10.0):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        if implicit_tls:
            self.sock = tls_context().wrap_socket(self.sock)
        self.buffer = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        """Everything in one sendall(): on loopback one small write is one segment."""
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no complete reply in time; have " + repr(self.buffer[:300]))
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError) as e:
            raise ConnectionClosed(f"{e}; have {self.buffer[:300]!r}")
        except socket.timeout:
            raise TimeoutError("no complete reply in time; have " + repr(self.buffer[:300]))
        if not chunk:
            raise ConnectionClosed("closed; have " + repr(self.buffer[:300]))
        self.buffer += chunk

    def reply(self, timeout=None):
        """The next whole reply (all its lines), waiting at most `timeout` seconds."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        lines = []
        while True:
            while b"\r\n" not in self.buffer:
                self._fill(deadline)
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            m = REPLY_LINE.match(line)
            if not m:
                raise AssertionError(f"malformed reply line {line!r}")
            lines.append(m.group(3).decode("utf-8", "replace"))
            if m.group(2) == b" ":
                return Reply(int(m.group(1)), lines)

    def command(self, line, timeout=None):
        self.send(line if line.endswith("\r\n") else line + "\r\n")
        return self.reply(timeout)

    def replies_until_closed(self, timeout=None):
        """Every reply until the server closes the connection (or the wait runs out: TimeoutError)."""
        out = []
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while True:
            try:
                out.append(self.reply(max(deadline - time.monotonic(), 0.001)))
            except ConnectionClosed:
                if self.buffer:
                    raise AssertionError(f"partial reply before close: {self.buffer!r}")
                return out

    def quiet_for(self, seconds):
        """True when nothing at all arrives for `seconds` (and the connection stays open)."""
        if self.buffer:
            return False
        self.sock.settimeout(seconds)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return True
        except (ConnectionResetError, ssl.SSLError):
            return False
        self.buffer += chunk
        return False

    def starttls(self):
        """The TLS handshake on this socket (after a 220 to STARTTLS). Refuses to go on when the
        server already sent more than that 220: such bytes were sent in plaintext after STARTTLS."""
        if self.buffer:
            raise AssertionError(f"plaintext after the STARTTLS reply: {self.buffer!r}")
        self.sock.settimeout(self.timeout)
        self.sock = tls_context().wrap_socket(self.sock)


def ehlo(client, name="client.example"):
    """Reads the greeting, says EHLO; returns the EHLO reply."""
    greeting = client.reply()
    assert greeting.code == 220, greeting
    return client.command(f"EHLO {name}")


class CaptureSmarthost:
    """A minimal SMTP server that accepts everything and keeps the exact bytes of each
    message's DATA section (up to and including the terminator). Runs on a thread
    until stop()."""

    def __init__(self):
        self.messages = []  # [{"mail": b"MAIL FROM:...", "rcpt": [b"RCPT TO:..."], "data": raw bytes}]
        self.lock = threading.Lock()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 30

            def handle(self):
                self.wfile.write(b"220 capture ESMTP\r\n")
                mail, rcpts = None, []
                while True:
                    line = self.rfile.readline(4096)
                    if not line:
                        return
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.wfile.write(b"250-capture\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n")
                    elif verb == b"MAIL":
                        mail, rcpts = line.rstrip(b"\r\n"), []
                        self.wfile.write(b"250 2.1.0 Ok\r\n")
                    elif verb == b"RCPT":
                        rcpts.append(line.rstrip(b"\r\n"))
                        self.wfile.write(b"250 2.1.5 Ok\r\n")
                    elif verb == b"DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        self.wfile.flush()
                        data = b""
                        while not (data == b".\r\n" or data.endswith(b"\r\n.\r\n")):
                            chunk = self.rfile.readline(1 << 20)
                            if not chunk:
                                return
                            data += chunk
                        with outer.lock:
                            outer.messages.append({"mail": mail, "rcpt": rcpts, "data": data})
                        self.wfile.write(b"250 2.0.0 Ok: queued\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 2.0.0 Bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 2.0.0 Ok\r\n")
                    self.wfile.flush()

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def address(self):
        return f"127.0.0.1:{self.port}"

    def received(self):
        with self.lock:
            return list(self.messages)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
