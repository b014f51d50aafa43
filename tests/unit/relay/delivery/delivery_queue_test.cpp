// delivery_queue with the RAM spool and a fake smarthost on loopback: delivered,
// deferred and retried on schedule, bounced, partial, expired at max_age, damaged,
// connection reuse, stop. Real time, short durations; when a retry is due is
// judge_attempt()'s, tested without timers in attempt_outcome_test.cpp.
#include "relay/delivery/delivery_queue.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <fstream>
#include <thread>

#include "queue_fixture.hpp"
#include "relay/delivery/event_log_observer.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;
using enum recipient_fate;
using strings = std::vector<std::string>;

TEST_CASE("delivery_queue: delivered -> removed from the spool, one Delivery event") {
  queue_fixture f;
  envelope env = f.commit({"a@example.net", "b@example.net"}, "Subject: hi\r\n\r\n.dot\r\nbody\r\n");
  f.start(f.settings());
  REQUIRE(f.wait_for(1));
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));

  REQUIRE(f.smarthost.messages.size() == 1);
  const auto& m = f.smarthost.messages[0];
  CHECK(m.mail_from == "<" + env.return_path + ">");
  CHECK(m.recipients == strings{"a@example.net", "b@example.net"});
  CHECK(m.content == "Subject: hi\r\n\r\n.dot\r\nbody\r\n");

  REQUIRE(f.observer.types() == strings{"Delivery"});
  const auto& e = f.observer.events[0];
  CHECK(e.id == env.id);
  CHECK(e.addresses() == strings{"a@example.net", "b@example.net"});
  CHECK(e.attempt.number == 1);
  CHECK(e.attempt.remote_mta_ip == "127.0.0.1");
  CHECK(e.json.at("delivery").at("smtpResponse") == "250 2.0.0 Ok: queued");
  CHECK(text(e.json.at("mail").at("messageId")) == env.id);
  CHECK(e.json.at("policy").at("identity") == "example.com");
  CHECK(f.spool.removed == strings{env.id});
  CHECK(f.queue->stats().delivered == 2);
  CHECK(f.queue->stats().queued == 0);

  f.stop();
  CHECK(f.smarthost.quits == 1);
}

TEST_CASE("delivery_queue: 4xx -> DeliveryDelay, retried on the schedule, then delivered") {
  queue_fixture f;
  int refusals = 2;
  f.smarthost.rcpt_reply = [&](const std::string&) {
    return refusals-- > 0 ? std::string("451 4.3.0 <a@example.net>: Temporary lookup failure\r\n")
                          : std::string("250 2.1.5 Ok\r\n");
  };
  envelope env = f.commit({"a@example.net"}, "m\r\n");
  f.start(f.settings());
  REQUIRE(f.wait_for(3));
  REQUIRE(f.observer.types() == strings{"DeliveryDelay", "DeliveryDelay", "Delivery"});

  const auto& first = f.observer.events[0];
  CHECK(first.recipients[0].verdict.status == "4.3.0");
  CHECK(first.json.at("deliveryDelay").at("delayType") == "General");
  CHECK(text(first.json.at("deliveryDelay").at("expirationTime")) == iso8601(env.received_at + 1h));
  CHECK(first.json.at("deliveryDelay").at("delayedRecipients").at(0).at("diagnosticCode") ==
        "smtp; 451 4.3.0 <a@example.net>: Temporary lookup failure");
  // When each retry is due is judge_attempt()'s (attempt_outcome_test.cpp); here,
  // that the queue keeps its promises in order: three attempts, then done.
  CHECK(f.observer.events[2].attempt.number == 3);
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));
  CHECK(f.smarthost.messages.size() == 1);
}

TEST_CASE("delivery_queue: 5xx -> Bounce (Permanent), removed") {
  queue_fixture f;
  f.smarthost.rcpt_reply = [](const std::string&) {
    return std::string("550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown\r\n");
  };
  envelope env = f.commit({"nobody@example.net"}, "m\r\n");
  f.start(f.settings());
  REQUIRE(f.wait_for(1));
  REQUIRE(f.observer.types() == strings{"Bounce"});
  const auto& bounce = f.observer.events[0].json.at("bounce");
  CHECK(bounce.at("bounceType") == "Permanent");
  CHECK(bounce.at("bounceSubType") == "General");
  CHECK(text(bounce.at("feedbackId")) == env.id + "-000001");
  CHECK(bounce.at("reportingMTA") == "dsn; relay.test");
  const auto& r = bounce.at("bouncedRecipients").at(0);
  CHECK(r.at("emailAddress") == "nobody@example.net");
  CHECK(r.at("action") == "failed");
  CHECK(r.at("status") == "5.1.1");
  CHECK(r.at("diagnosticCode") == "smtp; 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown");
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));
  CHECK(f.smarthost.messages.empty());
}

TEST_CASE("delivery_queue: partial - delivered, bounced and deferred recipients of one message") {
  queue_fixture f;
  int c_refusals = 1;
  f.smarthost.rcpt_reply = [&](const std::string& address) {
    if (address == "b@example.net") return std::string("550 5.1.1 unknown\r\n");
    if (address == "c@example.net" && c_refusals-- > 0) return std::string("452 4.2.2 mailbox full\r\n");
    return std::string("250 2.1.5 Ok\r\n");
  };
  envelope env = f.commit({"a@example.net", "b@example.net", "c@example.net"}, "m\r\n");
  f.start(f.settings());
  REQUIRE(f.wait_for(4));
  REQUIRE(f.observer.types() == strings{"Delivery", "Bounce", "DeliveryDelay", "Delivery"});
  CHECK(f.observer.events[0].addresses() == strings{"a@example.net"});
  CHECK(f.observer.events[1].addresses() == strings{"b@example.net"});
  CHECK(f.observer.events[2].addresses() == strings{"c@example.net"});
  CHECK(f.observer.events[2].json.at("deliveryDelay").at("delayType") == "MailboxFull");
  CHECK(f.observer.events[3].addresses() == strings{"c@example.net"});
  CHECK(f.observer.events[3].attempt.number == 2);
  REQUIRE(f.smarthost.messages.size() == 2);
  CHECK(f.smarthost.messages[0].recipients == strings{"a@example.net"});
  CHECK(f.smarthost.messages[1].recipients == strings{"c@example.net"});  // only what was left
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));
  CHECK(f.spool.removed == strings{env.id});
}

TEST_CASE("delivery_queue: deferred until max_age, then bounced (Transient, 4.4.7)") {
  queue_fixture f;
  f.smarthost.rcpt_reply = [](const std::string&) { return std::string("451 4.3.0 try later\r\n"); };
  auto settings = f.settings();
  settings.delivery.retry_schedule = {150ms};
  settings.delivery.max_age = 700ms;
  envelope env = f.commit({"a@example.net"}, "m\r\n");
  f.start(settings);
  REQUIRE(run_until(f.io, [&] { return f.observer.count("Bounce") == 1; }));
  auto types = f.observer.types();
  CHECK(types.back() == "Bounce");
  CHECK(f.observer.count("DeliveryDelay") >= 2);
  CHECK(f.observer.count("DeliveryDelay") <= 6);
  for (const auto& e : f.observer.events) CHECK(e.attempt.expires == env.received_at + 700ms);
  const auto& last = f.observer.events.back();
  CHECK(last.attempt.at >= env.received_at + 700ms);
  CHECK(last.recipients[0].verdict.status == "4.4.7");
  CHECK(last.json.at("bounce").at("bounceType") == "Transient");
  CHECK(last.json.at("bounce").at("bouncedRecipients").at(0).at("diagnosticCode") == "smtp; 451 4.3.0 try later");
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));
  run_for(f.io, 400ms);  // and nothing more happens
  CHECK(f.observer.events.size() == types.size());
}

TEST_CASE("delivery_queue: a message found past max_age gets one attempt, then bounces at once") {
  queue_fixture f;
  f.smarthost.rcpt_reply = [](const std::string&) { return std::string("421 4.3.2 busy\r\n"); };
  auto settings = f.settings();
  settings.delivery.max_age = 1h;
  envelope env = f.commit({"a@example.net"}, "m\r\n", relay::now() - 2h);
  f.start(settings);
  REQUIRE(f.wait_for(1));
  CHECK(f.observer.types() == strings{"Bounce"});
  CHECK(f.observer.events[0].json.at("bounce").at("bounceType") == "Transient");
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));
}

TEST_CASE("delivery_queue: a damaged message is dropped with an error, never looped on") {
  queue_fixture f;
  envelope bad = f.commit({"a@example.net"}, "m1\r\n");
  envelope good = f.commit({"b@example.net"}, "m2\r\n");
  f.spool.damaged.insert(bad.id);
  f.start(f.settings());
  REQUIRE(f.wait_for(2));
  run_for(f.io, 500ms);
  CHECK(f.observer.types() == strings{"Dropped", "Delivery"});
  CHECK(f.observer.events[0].id == bad.id);
  CHECK(f.spool.reads[bad.id] == 1);
  CHECK(f.queue->stats().dropped == 1);
  CHECK(f.queue->stats().queued == 0);
  REQUIRE(f.smarthost.messages.size() == 1);
  CHECK(f.smarthost.messages[0].recipients == strings{"b@example.net"});
}

TEST_CASE("delivery_queue: a spool read error defers (InternalFailure) and is retried") {
  queue_fixture f;
  f.spool.failing_reads = 1;
  envelope env = f.commit({"a@example.net"}, "m\r\n");
  f.start(f.settings());
  REQUIRE(f.wait_for(2));
  CHECK(f.observer.types() == strings{"DeliveryDelay", "Delivery"});
  CHECK(f.observer.events[0].json.at("deliveryDelay").at("delayType") == "InternalFailure");
  CHECK(f.spool.reads[env.id] == 2);
}

TEST_CASE("delivery_queue: two messages over one connection; QUIT when idle; enqueue from any thread") {
  queue_fixture f;
  f.commit({"a@example.net"}, "m1\r\n");
  f.commit({"b@example.net"}, "m2\r\n");
  f.start(f.settings());
  REQUIRE(f.wait_for(2));
  CHECK(f.observer.types() == strings{"Delivery", "Delivery"});
  CHECK(f.smarthost.sessions == 1);
  for (const auto& c : f.smarthost.commands) CHECK(c != "RSET");  // no failed transaction, no RSET
  REQUIRE(run_until(
      f.io, [&] { return f.smarthost.quits == 1; }, 2s));  // idle_timeout 300ms

  // A commit on an SMTP session's thread, then enqueue from there.
  envelope env = make_envelope({"c@example.net"});
  message_writer writer = f.spool.begin(env.id);
  writer.append("m3\r\n");
  run_awaitable(f.io, f.spool.commit(std::move(writer), env));
  std::thread session([&] { f.queue->enqueue(env); });
  session.join();
  REQUIRE(f.wait_for(3));
  CHECK(f.smarthost.sessions == 2);
  CHECK(f.smarthost.messages.size() == 3);
  f.queue->enqueue(env);  // the same id again (already delivered and gone): no harm
  f.stop();
}

TEST_CASE("delivery_queue: up to `connections` sessions in parallel") {
  queue_fixture f;
  for (int i = 0; i < 6; ++i) f.commit({"r" + std::to_string(i) + "@example.net"}, "m\r\n");
  auto settings = f.settings();
  settings.delivery.connections = 3;
  f.start(settings);
  std::size_t most_open = 0;
  REQUIRE(run_until(f.io, [&] {
    most_open = std::max(most_open, f.smarthost.open);
    return f.observer.events.size() == 6;
  }));
  CHECK(f.observer.count("Delivery") == 6);
  CHECK(most_open >= 2);
  CHECK(most_open <= 3);
  CHECK(f.smarthost.sessions <= 3);
}

TEST_CASE("delivery_queue: stop abandons a stuck transaction after the grace period; the message stays") {
  queue_fixture f;
  f.smarthost.data_reply = [](const accepted_message&) { return std::string(); };  // never answers "."
  envelope env = f.commit({"a@example.net"}, "m\r\n");
  auto settings = f.settings();
  settings.stop_grace = 200ms;
  f.start(settings);
  REQUIRE(run_until(f.io, [&] {
    return f.queue->stats().in_flight == 1 && !f.smarthost.commands.empty() && f.smarthost.commands.back() == "DATA";
  }));
  run_for(f.io, 100ms);
  auto stopping = std::chrono::steady_clock::now();
  f.stop();
  CHECK(std::chrono::steady_clock::now() - stopping < 1s);
  CHECK(f.observer.events.empty());
  CHECK(f.spool.depth() == 1);  // kept for the next start
  CHECK(f.spool.removed.empty());
  f.queue->enqueue(env);  // after stop: ignored
  run_for(f.io, 100ms);
  CHECK(f.observer.events.empty());
}

TEST_CASE("delivery_queue: the default observer writes SES-shaped JSON lines to the event log") {
  queue_fixture f;
  std::string path = "/tmp/mfrelay-delivery-events-" + std::to_string(::getpid()) + ".jsonl";
  std::remove(path.c_str());
  {
    event_log log(path);
    event_log_observer observer(log);
    f.smarthost.rcpt_reply = [](const std::string& address) {
      return address == "b@example.net" ? std::string("550 5.1.1 unknown\r\n") : std::string("250 Ok\r\n");
    };
    envelope env = f.commit({"a@example.net", "b@example.net"}, "m\r\n");
    delivery_queue queue(f.io.get_executor(), f.spool, observer, f.settings());
    queue.start();
    REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));
    queue.stop();
    run_awaitable(f.io, queue.wait_stopped());
  }
  std::ifstream in(path);
  std::vector<boost::json::value> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(boost::json::parse(line));
  std::remove(path.c_str());
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].at("eventType") == "Delivery");
  CHECK(lines[0].at("delivery").at("recipients") == boost::json::array{"a@example.net"});
  CHECK(lines[0].at("delivery").at("reportingMTA") == "relay.test");
  CHECK(lines[0].at("session").at("id") == "s1");
  CHECK(lines[1].at("eventType") == "Bounce");
  CHECK(lines[1].at("bounce").at("bouncedRecipients").at(0).at("emailAddress") == "b@example.net");
  CHECK(lines[1].at("policy").at("identity") == "example.com");
}

TEST_CASE("delivery_queue: the smarthost unreachable -> TransientCommunicationFailure delays") {
  queue_fixture f;
  auto settings = f.settings();
  settings.delivery.smarthost.port = closed_port_for_queue(f.io);
  f.commit({"a@example.net"}, "m\r\n");
  f.start(settings);
  REQUIRE(f.wait_for(2));
  CHECK(f.observer.types() == strings{"DeliveryDelay", "DeliveryDelay"});
  CHECK(f.observer.events[0].json.at("deliveryDelay").at("delayType") == "TransientCommunicationFailure");
  CHECK(f.observer.events[0].recipients[0].verdict.status == "4.4.1");
  CHECK_FALSE(f.observer.events[0].json.at("deliveryDelay").as_object().contains("remoteMtaIp"));
  CHECK(f.spool.depth() == 1);
}

}  // namespace
}  // namespace mfrelay::relay
