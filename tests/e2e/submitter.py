"""SMTP clients that keep sending until told to stop, recording the id of every
message that got its 250: what a kill -9 test checks against the sink."""
import re
import smtplib
import threading


class Submitter:
    """Threads that each keep one SMTP session and send message after message
    until stopped or cut off; `accepted` holds (message id, Subject) for every 250."""

    def __init__(self, port, threads, prefix="crash", source=None, reconnect=False, pause=0.0):
        """source: the client address to bind (another 127.0.0.0/8 address); reconnect: a
        session cut off (a node killed behind a balancer) is followed by a new one; pause:
        seconds each thread waits between messages (a steady load rather than the most it can)."""
        self.port = port
        self.prefix = prefix
        self.source = (source, 0) if source else None
        self.reconnect = reconnect
        self.pause = pause
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.accepted = []
        self.refused = []  # any reply mfrelay sent that was not the expected one
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]
        for t in self.threads:
            t.start()

    def count(self):
        with self.lock:
            return len(self.accepted)

    def run(self, index):
        n = 0
        while not self.stop.is_set():
            try:
                with smtplib.SMTP("127.0.0.1", self.port, local_hostname="crash-client", timeout=20,
                                  source_address=self.source) as client:
                    client.ehlo()
                    while not self.stop.is_set():
                        subject = f"{self.prefix}-{index}-{n}"
                        n += 1
                        if not self.send(client, index, n, subject):
                            return
                        if self.pause:
                            self.stop.wait(self.pause)
            except (OSError, smtplib.SMTPServerDisconnected):
                pass  # the kill: a message without its 250 was never promised
            except smtplib.SMTPResponseException as e:
                self.refuse(e.smtp_code, e.smtp_error)
                return
            if not self.reconnect:
                return

    def send(self, client, index, n, subject):
        """One transaction; False (and the reply kept in `refused`) when mfrelay said no."""
        body = (f"From: app@example.com\r\nTo: reader@dest.example\r\nSubject: {subject}\r\n\r\n"
                f"message {n} of thread {index}\r\n")
        for step in (lambda: client.mail("app@example.com"), lambda: client.rcpt("reader@dest.example")):
            code, text = step()
            if code != 250:
                self.refuse(code, text)
                return False
        code, text = client.data(body)
        m = re.match(rb"2\.0\.0 Ok (\S+)$", text)
        if code != 250 or not m:
            self.refuse(code, text)
            return False
        with self.lock:
            self.accepted.append((m.group(1).decode(), subject))
        return True

    def refuse(self, code, text):
        with self.lock:
            self.refused.append((code, text))

    def join(self, timeout=20):
        self.stop.set()
        for t in self.threads:
            t.join(timeout)
            if t.is_alive():
                raise TimeoutError("a client thread did not end")
