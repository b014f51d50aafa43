"""The signer checked by an independent verifier: python3-dkim's dkim.verify,
with the public key served by a dnsfunc. Runs dkim_sign_tool (path in argv[1])
on several messages with RSA and Ed25519 keys; an altered message must fail."""
import subprocess
import sys

import dkim

TOOL = sys.argv[1]

MESSAGES = [
    b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject:  Hello \r\n\tfolded\r\n"
    b"Date: Sat, 5 Dec 2026 01:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHi  Bob.\t\r\n\r\n\r\n",
    b"From: a@example.com\r\nTo: x@a.test\r\nTo: y@b.test\r\nCc: c@c.test\r\n\r\n",
    b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=old; h=from; bh=x; b=y\r\n"
    b"From: a@example.com\r\nSubject: signed before\r\n\r\nbody\r\nwithout final newline",
]


def sign(kind, message):
    out = subprocess.run([TOOL, kind], input=message, capture_output=True, check=True).stdout
    public, signed = out.split(b"\n", 1)
    return public.decode(), signed


def verifies(signed, kind, public):
    record = ("v=DKIM1; k=%s; p=%s" % (kind, public)).encode()

    def dnsfunc(name, timeout=5):
        return record if name in (b"sel1._domainkey.example.com.", "sel1._domainkey.example.com.") else None

    # The new signature is on top: dkim.verify checks the first one (idx=0).
    return dkim.verify(signed, dnsfunc=dnsfunc)


def main():
    failures = 0
    for kind in ("rsa", "ed25519"):
        for i, message in enumerate(MESSAGES):
            public, signed = sign(kind, message)
            if not signed.endswith(message):
                print("FAIL %s #%d: the original message is not kept intact" % (kind, i))
                failures += 1
            if not verifies(signed, kind, public):
                print("FAIL %s #%d: does not verify:\n%r" % (kind, i, signed))
                failures += 1
            altered = signed.replace(b"a@example.com", b"e@example.com").replace(b"Alice", b"Alicf")
            if verifies(altered, kind, public):
                print("FAIL %s #%d: an altered From still verifies" % (kind, i))
                failures += 1
            body_altered = signed + b"appended\r\n"
            if verifies(body_altered, kind, public):
                print("FAIL %s #%d: an altered body still verifies" % (kind, i))
                failures += 1
    print("ok" if failures == 0 else "%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
