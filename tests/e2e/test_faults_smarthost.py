"""Smarthost faults end to end: the real mfrelay delivers to Postfix's
smtp-sink, which is restarted on the same port with fault options
(smtp-sink(1): -r soft-rejects a command with 4xx, -f hard-rejects it with
5xx, -Q answers 421 and hangs up, -q hangs up without a word) or not at all.

Each test asserts what an operator sees: DeliveryDelay / Bounce / Delivery
events in var/log/events.jsonl, the message file in state_dir/spool/queue
while it waits, and the dumps at the sink. Each fails if mfrelay lost an
acknowledged message, delivered one twice without cause, or bounced where it
should have retried (or the reverse).

What counts as "without cause": SMTP delivery is at-least-once. When the
connection drops after mfrelay sent the final "." and before it read the
reply, mfrelay cannot know whether the smarthost kept the message, so it
must send it again, and a duplicate at the smarthost is allowed (RFC 5321
6.1; Postfix says "message may be sent more than once"). A fault at any
earlier step (connect, MAIL, RCPT, DATA) happens before the smarthost has
the message, so those tests demand exactly one copy. smtp-sink writes its
dump when "." arrives, whatever it answers, so the faults that must not
leave a copy are placed at RCPT or DATA.
"""
import os
import time
import unittest
from datetime import datetime

from harness import identity, read_events, wait_until
from raw_smtp import RawClient, ehlo
from relay_fixture import RelayTest
from test_faults_disk import spool_contents

RETRY = 1.0  # the fixture's [delivery] retry_schedule = ["1s"]


def submit(port, subject, rcpt="reader@dest.example", body="hello\r\n"):
    """One message over a raw SMTP session to the `local` listener; the reply to ".",
    and the message id it names (None unless 250)."""
    with RawClient(port, timeout=30) as c:
        assert ehlo(c).code == 250
        r = c.command("MAIL FROM:<app@example.com>")
        assert r.code == 250, r
        r = c.command(f"RCPT TO:<{rcpt}>")
        assert r.code == 250, r
        r = c.command("DATA")
        assert r.code == 354, r
        r = c.command(f"From: app@example.com\r\nTo: {rcpt}\r\nSubject: {subject}\r\n\r\n{body}.\r\n")
        c.command("QUIT")
    words = r.text.split()
    return r, (words[-1] if r.code == 250 else None)


class SmarthostFaultTest(RelayTest):
    identities = identity("example.com")  # no custom MAIL FROM: these tests are about delivery

    def events_of(self, kind, message_id):
        return [e for e in read_events(self)
                if e["eventType"] == kind and e.get("mail", {}).get("messageId") == message_id]

    def wait_events(self, kind, message_id, count=1, timeout=30):
        return wait_until(lambda: (lambda found: found if len(found) >= count else None)(
            self.events_of(kind, message_id)), timeout=timeout, what=f"{count} {kind} event(s) for {message_id}")

    def queued(self):
        """Ids of the messages the spool's segments still hold (done records applied)."""
        if not os.path.isdir(self.path("var", "spool", "segments")):
            return []
        return sorted(spool_contents(self.path("var", "spool"))[0])

    def copies(self, message_id):
        """Dumps at the sink whose envelope sender is this message's (<id>@domain)."""
        return [m for m in self.dumps() if m["mail"].startswith(f"<{message_id}@")]

    def dumps(self):
        """The sink's dumps of whole transactions (smtp-sink opens its file at MAIL: a
        transaction refused at RCPT leaves an empty one, which holds no message)."""
        return [m for m in self.sink.messages() if m["raw"]]

    def assert_spool_clean(self):
        self.assertEqual(self.queued(), [], "the spool must hold nothing once every message is settled")
        self.assertEqual(spool_contents(self.path("var", "spool"))[1], [], "no unfinished .spill file")
        self.assertEqual(os.listdir(self.path("var", "spool", "quarantine")), [])

    def assert_no_more_attempts(self, message_id, seconds=3 * RETRY):
        """Nothing more happens to a settled message for a few retry intervals."""
        before = [e["eventType"] for e in read_events(self) if e.get("mail", {}).get("messageId") == message_id]
        dumps = len(self.copies(message_id))
        time.sleep(seconds)
        after = [e["eventType"] for e in read_events(self) if e.get("mail", {}).get("messageId") == message_id]
        self.assertEqual(after, before, "events kept coming for a settled message")
        self.assertEqual(len(self.copies(message_id)), dumps, "a settled message was sent again")


class Faults(SmarthostFaultTest):
    def test_4xx_defers_keeps_the_message_and_delivers_it_once_after_recovery(self):
        self.sink.restart(("-r", "rcpt", "-b", "451 4.7.1 Try again later (fault test)"))
        r, mid = submit(self.ports["local"], "soft")
        self.assertEqual(r.code, 250, r)

        # Retried on the schedule: several DeliveryDelay events, the message on disk meanwhile.
        delays = self.wait_events("DeliveryDelay", mid, count=3, timeout=20)
        self.assertIn(mid, self.queued())
        self.assertEqual(self.copies(mid), [], "the sink refused RCPT: nothing can have been delivered")
        d = delays[0]["deliveryDelay"]
        self.assertEqual(d["delayedRecipients"][0]["emailAddress"], "reader@dest.example")
        self.assertEqual(d["delayedRecipients"][0]["status"], "4.7.1")
        self.assertIn("451 4.7.1 Try again later (fault test)", d["delayedRecipients"][0]["diagnosticCode"])
        self.assertIn("expirationTime", d)
        self.assertEqual(self.events_of("Bounce", mid), [])
        self.assertEqual(self.events_of("Delivery", mid), [])
        # Spaced by the retry schedule (1 s), not a tight loop.
        stamps = [datetime.fromisoformat(e["deliveryDelay"]["timestamp"].replace("Z", "+00:00")) for e in delays[:3]]
        for earlier, later in zip(stamps, stamps[1:]):
            self.assertGreaterEqual((later - earlier).total_seconds(), 0.9 * RETRY, stamps)

        self.sink.restart()
        delivery = self.wait_events("Delivery", mid)[0]["delivery"]
        self.assertTrue(delivery["smtpResponse"].startswith("250"), delivery)
        self.assertEqual(delivery["recipients"], ["reader@dest.example"])
        self.assert_no_more_attempts(mid)
        self.assertEqual(len(self.copies(mid)), 1, "delivered exactly once")
        self.assertEqual(len(self.events_of("Delivery", mid)), 1)
        self.assertEqual(self.events_of("Bounce", mid), [])
        self.assert_spool_clean()

    def test_5xx_bounces_at_once_with_the_diagnostic_and_delivers_nothing(self):
        self.sink.restart(("-f", "rcpt", "-B", "550 5.1.1 no such user (fault test)"))
        r, mid = submit(self.ports["local"], "hard", rcpt="nobody@dest.example")
        self.assertEqual(r.code, 250, r)

        bounce = self.wait_events("Bounce", mid)[0]["bounce"]
        self.assertEqual(bounce["bounceType"], "Permanent")
        self.assertEqual(len(bounce["bouncedRecipients"]), 1)
        rcpt = bounce["bouncedRecipients"][0]
        self.assertEqual(rcpt["emailAddress"], "nobody@dest.example")
        self.assertEqual(rcpt["status"], "5.1.1")
        self.assertEqual(rcpt["diagnosticCode"], "smtp; 550 5.1.1 no such user (fault test)")
        self.assertTrue(bounce["feedbackId"].startswith(mid + "-"), bounce)

        wait_until(lambda: not self.queued(), timeout=10, what="the bounced message to leave the spool")
        self.assert_no_more_attempts(mid)  # no retry after a 5xx
        self.assertEqual(self.events_of("DeliveryDelay", mid), [], "a 5xx is not retried")
        self.assertEqual(self.events_of("Delivery", mid), [])
        self.assertEqual(self.dumps(), [], "nothing reaches the smarthost")
        self.assert_spool_clean()

    def test_421_before_the_dot_is_retried_and_delivered_exactly_once(self):
        # smtp-sink answers "421 4.0.0 Server closing connection" to RCPT and hangs up.
        self.sink.restart(("-Q", "rcpt"))
        r, mid = submit(self.ports["local"], "421")
        self.assertEqual(r.code, 250, r)
        delays = self.wait_events("DeliveryDelay", mid, count=2, timeout=20)
        self.assertIn("421", delays[0]["deliveryDelay"]["delayedRecipients"][0]["diagnosticCode"])
        self.assertIn(mid, self.queued())
        self.assertEqual(self.copies(mid), [])

        self.sink.restart()
        self.wait_events("Delivery", mid)
        self.assert_no_more_attempts(mid)
        self.assertEqual(len(self.copies(mid)), 1, "the 421 came before the sink had the message: exactly one copy")
        self.assertEqual(self.events_of("Bounce", mid), [])
        self.assert_spool_clean()

    def test_hang_up_mid_transaction_is_retried_and_delivered_exactly_once(self):
        # smtp-sink closes the connection after DATA, without a reply.
        self.sink.restart(("-q", "data"))
        r, mid = submit(self.ports["local"], "hang-up")
        self.assertEqual(r.code, 250, r)
        delays = self.wait_events("DeliveryDelay", mid, count=2, timeout=20)
        diagnostic = delays[0]["deliveryDelay"]["delayedRecipients"][0]["diagnosticCode"]
        self.assertIn("lost connection", diagnostic)
        self.assertEqual(delays[0]["deliveryDelay"]["delayType"], "TransientCommunicationFailure")
        self.assertIn(mid, self.queued())
        self.assertEqual(self.copies(mid), [])

        self.sink.restart()
        self.wait_events("Delivery", mid)
        self.assert_no_more_attempts(mid)
        self.assertEqual(len(self.copies(mid)), 1)
        self.assert_spool_clean()

    def test_hang_up_after_the_dot_may_duplicate_but_never_loses(self):
        # smtp-sink reads the whole message and the ".", dumps it, and closes without a
        # reply. mfrelay cannot tell whether the smarthost kept it: it must try again,
        # and each such attempt may leave a copy. That is the one allowed duplicate.
        self.sink.restart(("-q", "."))
        r, mid = submit(self.ports["local"], "after-dot")
        self.assertEqual(r.code, 250, r)
        delays = self.wait_events("DeliveryDelay", mid, count=2, timeout=20)
        diagnostic = delays[0]["deliveryDelay"]["delayedRecipients"][0]["diagnosticCode"]
        self.assertIn("end of data", diagnostic)  # and says it may have been sent more than once
        self.assertIn(mid, self.queued())

        self.sink.restart()
        self.wait_events("Delivery", mid)
        self.assert_no_more_attempts(mid)
        lost_after_dot = [e for e in self.events_of("DeliveryDelay", mid)
                          if "end of data" in e["deliveryDelay"]["delayedRecipients"][0]["diagnosticCode"]]
        copies = self.copies(mid)
        # Each copy is one attempt that got as far as "." : the failed ones plus the good one.
        self.assertGreaterEqual(len(copies), 1)
        self.assertLessEqual(len(copies), len(lost_after_dot) + 1, "more copies than attempts that reached \".\"")
        bodies = {c["text"].split("Subject: after-dot", 1)[1] for c in copies}
        self.assertEqual(len(bodies), 1, "every copy is the same message")
        self.assertEqual(len(self.events_of("Delivery", mid)), 1)
        self.assert_spool_clean()

    def test_smarthost_down_defers_survives_a_restart_and_delivers_when_it_is_back(self):
        self.sink.stop()
        ids = []
        for n in range(3):
            r, mid = submit(self.ports["local"], f"down-{n}")
            self.assertEqual(r.code, 250, r)  # accepted on disk although nothing is reachable
            ids.append(mid)
        for mid in ids:
            delay = self.wait_events("DeliveryDelay", mid)[0]["deliveryDelay"]
            rcpt = delay["delayedRecipients"][0]
            self.assertEqual(delay["delayType"], "TransientCommunicationFailure")
            self.assertEqual(rcpt["status"], "4.4.1")
            self.assertIn(f"connect to 127.0.0.1:{self.sink.port}: Connection refused", rcpt["diagnosticCode"])
        self.assertEqual(self.queued(), sorted(ids))

        # Stop and start mfrelay while the smarthost is still down: the spool carries them.
        self.restart_relay()
        for mid in ids:
            wait_until(lambda: len(self.events_of("DeliveryDelay", mid)) >= 2, timeout=20,
                       what="a deferral after the restart")
        self.assertEqual(self.queued(), sorted(ids))

        self.sink.restart()
        for mid in ids:
            self.wait_events("Delivery", mid)
        self.assert_no_more_attempts(ids[-1])
        for mid in ids:
            self.assertEqual(len(self.copies(mid)), 1, mid)
            self.assertEqual(self.events_of("Bounce", mid), [])
        self.assert_spool_clean()


class MaxAge(SmarthostFaultTest):
    # The fixture opens [delivery]; this line lands in it.
    extra_config = 'max_age = "4s"\n'

    def test_deferred_past_max_age_bounces_as_transient(self):
        self.sink.restart(("-r", "rcpt", "-b", "450 4.2.0 mailbox busy (fault test)"))
        r, mid = submit(self.ports["local"], "expires")
        self.assertEqual(r.code, 250, r)
        bounce = self.wait_events("Bounce", mid, timeout=20)[0]["bounce"]
        self.assertEqual(bounce["bounceType"], "Transient")
        rcpt = bounce["bouncedRecipients"][0]
        self.assertEqual(rcpt["status"], "4.4.7")
        self.assertIn("450 4.2.0 mailbox busy (fault test)", rcpt["diagnosticCode"])
        delays = self.events_of("DeliveryDelay", mid)
        self.assertGreaterEqual(len(delays), 2, "retried before it expired")
        # Its DSN is deferred by the same 450 sink until its own max_age, then leaves too.
        wait_until(lambda: not self.queued(), timeout=30, what="the expired message to leave the spool")
        self.assert_no_more_attempts(mid)
        self.assertEqual(self.dumps(), [])
        self.assert_spool_clean()


if __name__ == "__main__":
    unittest.main()
