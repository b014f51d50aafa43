#!/usr/bin/env python3
"""Writes the seed corpus of each libFuzzer harness into tests/fuzz/corpus/NAME/.

Small, real inputs in each harness's input format (see the comment at the top
of tests/fuzz/fuzz_NAME.cpp). Standard library only. Re-running it rewrites
the generated seeds and leaves any other file (regressions added by hand, named
regression-*) alone. Run from anywhere: python3 tests/fuzz/make_seeds.py
"""
import base64
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"


def write(harness, name, data):
    folder = CORPUS / harness
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


# ---- SMTP session ------------------------------------------------------------

STARTTLS, IMPLICIT, NONE = 0, 1, 2
NETWORK, NET_USER, NORMALIZE, SMALL, TLS_ON = 4, 8, 16, 32, 64


def session(flags, stream, reads=b"", decisions=b""):
    return bytes([flags, len(reads)]) + reads + bytes([len(decisions)]) + decisions + stream


def plain(user, password, authzid=""):
    return base64.b64encode(f"{authzid}\0{user}\0{password}".encode()).decode()


MESSAGE = b"From: App <a@example.com>\r\nTo: b@example.net\r\nSubject: hi\r\nMessage-ID: <1@example.com>\r\n\r\nhello\r\n..stuffed\r\n.\r\n"
ENVELOPE = b"MAIL FROM:<a@example.com> SIZE=100 BODY=8BITMIME\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"
SMUGGLED = b"MAIL FROM:<x@evil.example>\r\nRCPT TO:<y@victim.example>\r\nDATA\r\nFrom: x@evil.example\r\n\r\nsmuggled\r\n"
FAKE_ENDS = {
    "lf-dot-lf": b"\n.\n",
    "lf-dot-crlf": b"\n.\r\n",
    "cr-dot-lf": b"\r.\n",
    "cr-dot-crlf": b"\r.\r\n",
    "crlf-dot-cr-crlf": b"\r\n.\r\r\n",
    "crlf-nul-dot-crlf": b"\r\n\x00.\r\n",
}


def smtp_session_seeds():
    network = NONE | NETWORK | NET_USER
    write("smtp_session", "network-one-message", session(
        network, b"EHLO client.example\r\n" + ENVELOPE + MESSAGE + b"QUIT\r\n"))
    write("smtp_session", "network-helo-two-messages-pipelined", session(
        network, b"HELO client.example\r\n" + ENVELOPE + MESSAGE + b"RSET\r\nNOOP\r\n" + ENVELOPE +
        b"From: a@example.com\r\n\r\nsecond\r\n.\r\nQUIT\r\n"))
    write("smtp_session", "network-pipelined-chunked", session(
        network, b"EHLO c\r\n" + ENVELOPE + MESSAGE + b"QUIT\r\n", reads=bytes([1, 3, 7, 0])))
    write("smtp_session", "network-no-user", session(
        NONE | NETWORK, b"EHLO c\r\nMAIL FROM:<a@example.com>\r\nQUIT\r\n"))
    write("smtp_session", "network-misc-commands", session(
        network, b"ehlo c\r\nVRFY root\r\nHELP\r\nNOOP\r\nRSET\r\nSTARTTLS\r\nAUTH PLAIN\r\nMAIL FROM:<>\r\n"
        b"RCPT TO:<\"quoted local\"@[192.0.2.1]>\r\nRCPT TO:<postmaster@example.net> NOTIFY=NEVER\r\nDATA x\r\n"
        b"BDAT 10\r\nGET / HTTP/1.1\r\n"))
    write("smtp_session", "network-smtputf8", session(
        network, "EHLO c\r\nMAIL FROM:<jos\u00e9@example.com> SMTPUTF8\r\nRCPT TO:<\u00fc@example.net>\r\nDATA\r\n"
        "From: jos\u00e9@example.com\r\n\r\n\u00e9\r\n.\r\n".encode()))
    write("smtp_session", "network-bad-lines", session(
        network, b"EHLO c\r\nNOOP\rx\r\n" + b"X" * 600 + b"\r\nMAIL FROM:<a@example.com\r\nMAIL FROM: <a@b>\r\n"
        b"MAIL FROM:<@route:a@example.com>\r\nMAIL FROM:<a@example.com> SIZE=x\r\nQUIT\r\n"))
    write("smtp_session", "network-small-limits", session(
        network | SMALL, b"EHLO c\r\nMAIL FROM:<a@example.com> SIZE=1000\r\nMAIL FROM:<a@example.com>\r\n"
        b"RCPT TO:<a@example.net>\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n"
        b"From: a@example.com\r\n\r\n" + b"y" * 300 + b"\r\n.\r\nBAD\r\nBAD\r\nBAD\r\n"))
    write("smtp_session", "network-header-variants", session(
        network, b"EHLO c\r\n" + ENVELOPE + b"From: a@example.com, b@example.com\r\nFrom : c@example.com\r\n"
        b"To: Group: x@example.net, y@example.net;\r\nSubject: =?utf-8?q?x?=\r\n folded\r\n\r\nbody\r\n.\r\n"
        + ENVELOPE + b"Subject: no from\r\n\r\n.\r\n" + ENVELOPE + b"From: \"Doe, J\" <j@example.com> (c)\r\n\r\n.\r\n"))
    for name, fake in FAKE_ENDS.items():
        for mode, flag in (("reject", 0), ("normalize", NORMALIZE)):
            write("smtp_session", f"smuggling-{name}-{mode}", session(
                network | flag, b"EHLO c\r\n" + ENVELOPE + b"From: a@example.com\r\n\r\nhello" + fake + SMUGGLED +
                b".\r\nQUIT\r\n"))
    hello = b"EHLO client.example\r\nSTARTTLS\r\n"
    after = (b"EHLO client.example\r\nAUTH PLAIN " + plain("app1", "secret").encode() + b"\r\n" + ENVELOPE + MESSAGE +
             b"QUIT\r\n")
    write("smtp_session", "starttls-auth-plain", session(STARTTLS, hello + after, reads=bytes([len(hello), 0])))
    write("smtp_session", "starttls-injection", session(
        STARTTLS, b"EHLO c\r\nSTARTTLS\r\nRSET\r\nAUTH PLAIN " + plain("app1", "secret").encode() + b"\r\n"))
    write("smtp_session", "starttls-handshake-fails", session(
        STARTTLS, hello + after, reads=bytes([len(hello), 0]), decisions=bytes([7])))
    write("smtp_session", "starttls-before-ehlo-and-no-auth", session(
        STARTTLS, b"STARTTLS\r\nMAIL FROM:<a@example.com>\r\nAUTH LOGIN\r\nEHLO c\r\nMAIL FROM:<a@example.com>\r\n"))
    login = (b"EHLO c\r\nAUTH LOGIN\r\n" + base64.b64encode(b"app1") + b"\r\n" + base64.b64encode(b"secret") +
             b"\r\n" + ENVELOPE + MESSAGE + b"QUIT\r\n")
    write("smtp_session", "implicit-auth-login", session(IMPLICIT, login))
    write("smtp_session", "implicit-auth-login-initial", session(
        IMPLICIT, b"EHLO c\r\nAUTH LOGIN " + base64.b64encode(b"app1") + b"\r\n" + base64.b64encode(b"secret") +
        b"\r\nAUTH PLAIN =\r\n"))
    write("smtp_session", "implicit-auth-failures", session(
        IMPLICIT | SMALL, b"EHLO c\r\nAUTH PLAIN " + plain("app1", "wrong").encode() + b"\r\nAUTH PLAIN\r\n*\r\n"
        b"AUTH PLAIN !!!!\r\nAUTH CRAM-MD5\r\nAUTH PLAIN " + plain("app1", "x", "other").encode() + b"\r\n"
        b"AUTH PLAIN " + plain("app1", "wrong").encode() + b"\r\n"))
    write("smtp_session", "implicit-auth-decisions", session(
        IMPLICIT, b"EHLO c\r\nAUTH PLAIN " + plain("u", "p").encode() + b"\r\nAUTH PLAIN " + plain("u", "p").encode() +
        b"\r\nAUTH PLAIN " + plain("u", "p").encode() + b"\r\n" + ENVELOPE + MESSAGE + ENVELOPE + MESSAGE,
        decisions=bytes([3, 2, 1, 1, 1, 2, 4])))
    write("smtp_session", "implicit-sender-refused", session(
        IMPLICIT, b"EHLO c\r\nAUTH PLAIN " + plain("app1", "secret").encode() + b"\r\nMAIL FROM:<a@example.com>\r\n"
        b"MAIL FROM:<b@example.com>\r\nMAIL FROM:<c@example.com>\r\n", decisions=bytes([0, 1, 2, 3])))
    first = b"EHLO c\r\nMAIL FROM:<a@example.com>\r\nSTARTTLS\r\nRSET\r\nSTARTTLS\r\n"
    write("smtp_session", "network-starttls-in-transaction", session(
        STARTTLS | NETWORK | NET_USER, first + b"EHLO c\r\n" + ENVELOPE + MESSAGE, reads=bytes([len(first), 0])))
    write("smtp_session", "timeout-in-data", session(
        network, b"EHLO c\r\n" + ENVELOPE + b"From: a@example.com\r\n", reads=bytes([0, 255])))


# ---- DATA decoder ------------------------------------------------------------

def data_decoder_seeds():
    bodies = {
        "simple": b"Subject: x\r\n\r\nhello\r\n.\r\n",
        "empty": b".\r\n",
        "stuffed": b"..leading dot\r\n.x dropped dot\r\n...\r\n.\r\nafter\r\n",
        "no-end": b"line\r\nline\r\n.",
        "long-line": b"x" * 1000 + b"\r\n.\r\n",
        "bare-lf-lines": b"a\nb\nc\r\n.\r\n",
        "bare-cr-lines": b"a\rb\r\r\n.\r\n",
        "nul": b"a\x00b\r\n.\r\n",
    }
    for name, fake in FAKE_ENDS.items():
        bodies["smuggling-" + name] = b"hello" + fake + SMUGGLED + b".\r\nQUIT\r\n"
    for name, body in bodies.items():
        write("data_decoder", name + "-reject", bytes([0, 0]) + body)
        write("data_decoder", name + "-normalize", bytes([1, 0]) + body)
    write("data_decoder", "size-limit-16", bytes([4, 7]) + b"0123456789\r\n0123456789\r\n.\r\n")
    write("data_decoder", "chunked", bytes([6, 99]) + b"a\r\n..b\r\n.c\r\n\r\n.\r\n")


# ---- AUTH --------------------------------------------------------------------

def auth_seeds():
    seeds = {
        "plain-initial": "PLAIN " + plain("app1", "secret"),
        "plain-authzid": "PLAIN " + plain("app1", "secret", "app1"),
        "plain-other-authzid": "PLAIN " + plain("app1", "secret", "admin"),
        "plain-challenge": "plain\n" + plain("app1", "secret"),
        "plain-empty": "PLAIN =",
        "plain-cancel": "PLAIN\n*",
        "plain-bad-base64": "PLAIN\nAGFw=cDE",
        "plain-three-nuls": "PLAIN " + base64.b64encode(b"\0a\0b\0c").decode(),
        "login": "LOGIN\n" + base64.b64encode(b"app1").decode() + "\n" + base64.b64encode(b"secret").decode(),
        "login-initial": "Login " + base64.b64encode(b"app1").decode() + "\n" + base64.b64encode(b"secret").decode(),
        "login-nul-user": "LOGIN\n" + base64.b64encode(b"a\0b").decode(),
        "login-then-more": "LOGIN\n" + base64.b64encode(b"u").decode() + "\n" + base64.b64encode(b"p").decode() + "\nx\n*",
        "unknown-mechanism": "CRAM-MD5 abc",
        "padding": "PLAIN\nQQ==\nQUI=\nQUJD\nQR==\nQ===\n====",
    }
    for name, text in seeds.items():
        write("auth", name, text.encode())


# ---- configuration -----------------------------------------------------------

def config_seeds():
    main = (ROOT / "conf" / "mfrelay.toml").read_bytes()
    policy = (ROOT / "conf" / "policy.d" / "example.toml").read_bytes()
    write("config", "policy-example", b"\x00" + policy)
    write("config", "policy-errors", b"\x00" + b"""
[[identity]]
name = "Example.COM."
mail_from_domain = "example.com"
behavior_on_mx_failure = "Sometimes"
typo = 1

[[identity]]
name = "example.com"

[[identity]]
name = "not an identity"
mail_from_domain = 7

[identity]
name = "x"
""")
    write("config", "policy-syntax-error", b"\x00[[identity]\nname = \"a\n")
    # Non-ASCII where TOML allows it (strings, comments, a byte order mark) and
    # where toml++ 3.3 must not see it (see toml_text_supported).
    write("config", "policy-non-ascii-strings-and-comments", b"\x00" + """\ufeff# Identit\u00e9s \u8eab\u5143
[[identity]]  # \u01bf
name = "ex\u00e4mple.com"  # "\u00a1
mail_from_domain = 'mail.example.com' # '\u00a1
behavior_on_mx_failure = \"\"\"UseDefault\\
    Value\"\"\"
x = '''
\u00e9 '' \u00a1'''
y = "esc \\" \u00e9"
""".encode())
    write("config", "policy-non-ascii-key", b"\x00" + "l\u01bf = 1\n".encode())
    write("config", "policy-ml-continuation-non-ascii", b"\x00" + 's = """\\\n\u00a7"""\n'.encode())
    write("config", "policy-table-headers-broken", b"\x00[\n[[[1]]]\n[[=\n")
    write("config", "main-sample", b"\x01" + main + b"\x00" + policy)
    extra = b"""
[relay]
hostname = "relay.example.com"
region = "eu-central-1"
default_mail_from_domain = "bounces.example.org"
state_dir = "/tmp/x"
policy_dir = "policy.d"

[[listener]]
name = "v6"
address = "[::1]:2587"
tls = "starttls"
auth = "password"

[[user]]
name = "u"
password_hash = "$pbkdf2-sha256$1000$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
networks = ["10.0.0.0/8", "fe80::/10", "10.0.0.1/8"]
identities = ["example.com", "*", "bad identity"]

[limits]
max_message_bytes = 0
bare_newline = "normalize"
idle_timeout = "30s"
data_timeout = "-1m"

[delivery]
mode = "mx"
retry_schedule = ["1m", "0s", "2h"]
max_age = "5d"

[dns]
servers = ["127.0.0.1", "::1", "[::1]:5353", "192.0.2.1:53", "example.com"]
tries = 4294967296

[verification]
feedback_mx = "feedback.example.net"
spf_include = ""
window = "10s"

[events]
file = "-"
max_file_bytes = 1048576
syslog = "udp:127.0.0.1:514"

[admin]
enabled = true
address = "127.0.0.1:0"
allowed_hosts = ["localhost:8025"]
[[admin.key]]
access_key_id = "AKIAIOSFODNN7EXAMPLE"
secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

[notifications]
email = "ops@example.com"
webhook = "http://127.0.0.1:9000/hook"
"""
    write("config", "main-every-section", b"\x01" + extra + b"\x00" + policy)
    write("config", "main-minimal", b"\x01[relay]\nhostname = \"h\"\n\x00")
    write("config", "main-bad-types", b"\x01relay = 1\nlistener = [1]\n[limits]\nmax_recipients = \"x\"\n"
          b"[tls]\ncertificate = []\n\x00[[identity]]\nname = \"example.com\"\n")


# ---- DNS answers -------------------------------------------------------------

T_A, T_CNAME, T_MX, T_TXT, T_AAAA = 1, 5, 15, 16, 28


def name(n):
    out = b""
    for label in n.split(".") if n else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, rdata, ttl=300):
    o = owner if isinstance(owner, bytes) else name(owner)
    return o + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def response(qname, qtype, answers, rcode=0, truncated=False, qdcount=1):
    flags = 0x8180 | (0x0200 if truncated else 0) | rcode
    out = struct.pack(">HHHHHH", 0x1234, flags, qdcount, len(answers), 0, 0)
    out += name(qname) + struct.pack(">HH", qtype, 1)
    return out + b"".join(answers)


def mx(pref, host):
    return struct.pack(">H", pref) + name(host)


def txt(*strings):
    return b"".join(bytes([len(s)]) + s for s in strings)


def dns(mode, mx_bytes, txt_bytes):
    return bytes([mode]) + struct.pack(">H", len(mx_bytes)) + mx_bytes + txt_bytes


def dns_answer_seeds():
    d = "mail.example.com"
    fb = "feedback-smtp.us-west-2.amazonses.com"
    spf = response(d, T_TXT, [rr(d, T_TXT, txt(b"v=spf1 include:amazonses.com ~all"))])
    one = response(d, T_MX, [rr(d, T_MX, mx(10, fb))])
    write("dns_answer", "mx-one-spf-ok", dns(0, one, spf))
    write("dns_answer", "mx-one-own-exchange", dns(0x40, response(d, T_MX, [rr(d, T_MX, mx(10, "Other.Example."))]), spf))
    write("dns_answer", "mx-two", dns(0, response(d, T_MX, [rr(d, T_MX, mx(10, fb)), rr(d, T_MX, mx(20, "b.example.net"))]),
                                      response(d, T_TXT, [rr(d, T_TXT, txt(b"v=spf1 ", b"include:amazonses.com ~all")),
                                                          rr(d, T_TXT, txt(b"v=spf1 -all"))])))
    write("dns_answer", "mx-compressed-owner", dns(0, response(d, T_MX, [rr(b"\xc0\x0c", T_MX, mx(5, fb))]),
                                                   response(d, T_TXT, [rr(b"\xc0\x0c", T_TXT, txt(b"other", b""))])))
    write("dns_answer", "mx-compressed-exchange", dns(0x40, response(d, T_MX, [
        rr(b"\xc0\x0c", T_MX, struct.pack(">H", 10) + b"\x08feedback\xc0\x11")]), b""))
    write("dns_answer", "mx-pointer-loop", dns(0, response(d, T_MX, [rr(b"\xc0\x0c", T_MX, b"\x00\x0a\xc0\x1e")]), b""))
    write("dns_answer", "cname-only", dns(0, response(d, T_MX, [rr(d, T_CNAME, name("elsewhere.example.net"))]),
                                          response(d, T_TXT, [])))
    write("dns_answer", "nxdomain", dns(0, response(d, T_MX, [], rcode=3), response(d, T_TXT, [], rcode=3)))
    write("dns_answer", "nxdomain-status", dns(1 | 1 << 3, b"", b""))
    write("dns_answer", "servfail-status", dns(3 | 4 << 3, b"", spf))
    full = response(d, T_MX, [rr(d, T_MX, mx(10, fb)), rr(d, T_MX, mx(20, "b.example.net"))], truncated=True)
    write("dns_answer", "truncated", dns(0, full[: len(full) - 9], spf[:20]))
    write("dns_answer", "a-answer", dns(0, response("h.example.com", T_A, [rr("h.example.com", T_A, bytes([192, 0, 2, 1])),
                                                                         rr("h.example.com", T_A, bytes([192, 0, 2, 2]))]),
                                        response("h.example.com", T_AAAA, [rr("h.example.com", T_AAAA,
                                                                              bytes.fromhex("20010db8000000000000000000000001"))])))
    write("dns_answer", "header-only", dns(0, b"\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00", b""))
    write("dns_answer", "qdcount-two", dns(0, response(d, T_MX, [rr(d, T_MX, mx(10, fb))], qdcount=2), b""))
    write("dns_answer", "txt-long", dns(0, b"", response(d, T_TXT, [rr(d, T_TXT, txt(b"v=spf1 " + b"a" * 200, b"b" * 255))])))


def main():
    smtp_session_seeds()
    data_decoder_seeds()
    auth_seeds()
    config_seeds()
    dns_answer_seeds()
    for folder in sorted(CORPUS.iterdir()):
        print(f"{folder.name}: {len(list(folder.iterdir()))} seeds")


if __name__ == "__main__":
    main()
