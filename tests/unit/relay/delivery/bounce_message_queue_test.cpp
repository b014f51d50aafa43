// The delivery queue's bounce messages: one DSN per message, from the null
// sender to the original sender, naming every recipient that failed (5xx now,
// max_age later), spooled before the original leaves, named by the Bounce
// events; none for a null sender, none for a failing DSN, none when turned off.
#include <doctest/doctest.h>

#include "queue_fixture.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

const accepted_message* sent_from_null_sender(const fake_smarthost& s) {
  for (const auto& m : s.messages)
    if (m.mail_from.starts_with("<>")) return &m;
  return nullptr;
}

TEST_CASE("bounce message: one DSN to the original sender lists a 5xx now and an expiry later") {
  queue_fixture f;
  f.smarthost.rcpt_reply = [](const std::string& address) {
    if (address == "b@example.net") return std::string("550 5.1.1 <b@example.net>: User unknown\r\n");
    if (address == "c@example.net") return std::string("451 4.3.0 try later\r\n");
    return std::string("250 2.1.5 Ok\r\n");
  };
  auto settings = f.settings();
  settings.delivery.bounce_messages = true;
  settings.delivery.retry_schedule = {150ms};
  settings.delivery.max_age = 600ms;
  envelope env = f.commit({"a@example.net", "b@example.net", "c@example.net", "app@example.com"},
                          "From: app@example.com\r\nSubject: Invoice 42\r\n\r\nbody\r\n");
  f.start(settings);
  REQUIRE(run_until(f.io, [&] { return sent_from_null_sender(f.smarthost) != nullptr; }));
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));

  // Two Bounce events (5.1.1 at once, 4.4.7 at max_age), both naming the one DSN.
  std::vector<const recorded_event*> bounces;
  for (const auto& e : f.observer.events)
    if (e.type == "Bounce" && e.id == env.id) bounces.push_back(&e);
  REQUIRE(bounces.size() == 2);
  std::string dsn_id = text(bounces[0]->json.at("bounce").at("dsnMessageId"));
  CHECK(text(bounces[1]->json.at("bounce").at("dsnMessageId")) == dsn_id);

  const accepted_message* dsn = sent_from_null_sender(f.smarthost);
  CHECK(dsn->recipients == strings{"app@example.com"});
  CHECK(dsn->content.find("Message-ID: <" + dsn_id + "@relay.test>") != std::string::npos);
  CHECK(dsn->content.find("Final-Recipient: rfc822; b@example.net\r\n"
                          "Action: failed\r\nStatus: 5.1.1\r\n") != std::string::npos);
  CHECK(dsn->content.find("Final-Recipient: rfc822; c@example.net\r\n"
                          "Action: failed\r\nStatus: 4.4.7\r\n") != std::string::npos);
  CHECK(dsn->content.find("Final-Recipient: rfc822; a@example.net") == std::string::npos);
  CHECK(dsn->content.find("\r\n\r\nFrom: app@example.com\r\nSubject: Invoice 42\r\n\r\n--") != std::string::npos);
  std::size_t dsns = 0;
  for (const auto& m : f.smarthost.messages) dsns += m.mail_from.starts_with("<>");
  CHECK(dsns == 1);
  // The DSN went through the spool (committed, delivered, removed) and the
  // original was removed only after it was committed.
  REQUIRE(f.spool.removed.size() == 2);
  CHECK(f.spool.removed[0] == env.id);
  CHECK(f.spool.removed[1] == dsn_id);
}

TEST_CASE("bounce message: none for a null sender, and a failing DSN gets no DSN of its own") {
  queue_fixture f;
  f.smarthost.rcpt_reply = [](const std::string&) { return std::string("550 5.1.1 unknown\r\n"); };
  auto settings = f.settings();
  settings.delivery.bounce_messages = true;
  envelope env = f.commit({"x@example.net"}, "Subject: s\r\n\r\nb\r\n");
  f.start(settings);
  // The original bounces; its DSN to app@example.com bounces too (same 550); then nothing.
  REQUIRE(run_until(f.io, [&] { return f.observer.count("Bounce") == 2; }));
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));
  run_for(f.io, 300ms);
  CHECK(f.observer.count("Bounce") == 2);
  const auto& second = f.observer.events[1];
  CHECK(second.id != env.id);
  CHECK(second.json.at("bounce").at("dsnMessageId").is_null());
  CHECK(f.smarthost.messages.empty());
}

TEST_CASE("bounce message: bounce_messages = false sends none; the Bounce event says so") {
  queue_fixture f;
  f.smarthost.rcpt_reply = [](const std::string&) { return std::string("550 5.1.1 unknown\r\n"); };
  f.commit({"x@example.net"}, "Subject: s\r\n\r\nb\r\n");
  f.start(f.settings());
  REQUIRE(f.wait_for(1));
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));
  run_for(f.io, 300ms);
  CHECK(f.observer.types() == strings{"Bounce"});
  CHECK(f.observer.events[0].json.at("bounce").at("dsnMessageId").is_null());
  CHECK(f.spool.removed.size() == 1);
}

}  // namespace
}  // namespace mfrelay::relay
