// No event holds a secret: a session authenticated with a planted password
// (AUTH PLAIN and AUTH LOGIN payloads) goes through every event the relay
// builds (Send, Reject, AuthFailure, Delivery, DeliveryDelay, Bounce,
// MailFromDomainStatusChange, and the notification email), built with the same
// inputs the server passes, and written through every output (file, syslog).
// None of the outputs may hold the password or either AUTH payload.
#include <doctest/doctest.h>

#include <boost/json/serialize.hpp>
#include <set>
#include <string>
#include <vector>

#include "datagram_receiver.hpp"
#include "relay/auth/base64.hpp"
#include "relay/delivery/delivery_events.hpp"
#include "relay/events/event_log.hpp"
#include "relay/events/mail_events.hpp"
#include "relay/notify/notification_email.hpp"
#include "status_change_sample.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay {
namespace {

const std::string password = "Tr0ub4dor&3-planted-secret";
const std::string plain_payload = base64_encode(std::string("\0app1\0", 6) + password);  // AUTH PLAIN
const std::string login_payload = base64_encode(password);                               // AUTH LOGIN
const std::string id = "0100019ac0e1a4f0-7c1e5b1a-3a4e-4c59-9f8e-2b1d4c6e8a10-000000";

std::vector<std::string> secrets() {
  return {password, plain_payload, login_payload, std::string("\0app1\0", 6) + password};
}

// What the server knows about a session that authenticated as app1 with the password.
session_info authenticated() { return {"a92308720191fc0b", "127.0.0.1", "submission", "app1", "TLSv1.3"}; }

mail_info message() {
  return {test::t0, id, "news@example.com", {"reader@dest.example", "x@dest.example"}, "news@example.com",
          "reader@dest.example", "hello", "<20261126084948.019145@vm>"};
}

policy::decision accepted_decision() {
  policy::decision d;
  d.kind = policy::decision_kind::custom;
  policy::identity example;
  example.name = "example.com";
  example.mail_from_domain = "mail.example.com";
  d.matched = example;
  d.status = policy::mail_from_status::success;
  d.mail_from_domain = "mail.example.com";
  return d;
}

// As smtp_session::envelope_record stores it for delivery events.
envelope spooled() {
  envelope env;
  env.id = id;
  env.original_sender = "news@example.com";
  env.return_path = id + "@mail.example.com";
  env.recipients = {"reader@dest.example", "x@dest.example"};
  env.received_at = test::t0;
  boost::json::object meta{{"mail", mail_json(message())},
                           {"policy", policy_json(accepted_decision(), env.return_path)},
                           {"session", session_json(authenticated())}};
  env.metadata = boost::json::serialize(meta);
  return env;
}

std::vector<boost::json::object> every_event() {
  std::vector<boost::json::object> events;
  const auto d = accepted_decision();
  events.push_back(send_event(message(), d, id + "@mail.example.com", authenticated()));
  policy::decision rejected = d;
  rejected.kind = policy::decision_kind::reject;
  rejected.reason = policy::reject_reason::not_authorized;
  rejected.reply = {554, "5.7.1", "Message rejected: Email address is not verified."};
  events.push_back(reject_event(message(), &rejected, rejected.reply, "NotAuthorized", authenticated()));
  session_info before_auth = authenticated();
  before_auth.auth_user.clear();
  // smtp_session passes the user name the client gave and a fixed reason.
  events.push_back(auth_failure_event(test::t0, "app1", "invalid password", before_auth));
  events.push_back(auth_failure_event(test::t0, "nobody", "unknown user", before_auth));

  const envelope env = spooled();
  delivery_attempt attempt;
  attempt.at = test::t0 + std::chrono::seconds(1);
  attempt.number = 1;
  attempt.reporting_mta = "relay.example.net";
  attempt.remote_mta_ip = "127.0.0.1";
  attempt.expires = test::t0 + std::chrono::hours(24);
  recipient_outcome delivered{"reader@dest.example", {}};
  delivered.verdict.fate = recipient_fate::delivered;
  delivered.verdict.reply = "250 2.0.0 Ok";
  recipient_outcome delayed{"x@dest.example", {}};
  delayed.verdict.status = "4.4.1";
  delayed.verdict.diagnostic = "connect to 127.0.0.1:42389: Connection refused";
  delayed.verdict.delay_type = "TransientCommunicationFailure";
  recipient_outcome bounced{"x@dest.example", {}};
  bounced.verdict.fate = recipient_fate::bounced;
  bounced.verdict.status = "5.1.1";
  bounced.verdict.diagnostic = "smtp; 550 5.1.1 no such user";
  bounced.verdict.bounce_type = "Permanent";
  events.push_back(delivery_event(env, attempt, {&delivered, 1}));
  events.push_back(delay_event(env, attempt, {&delayed, 1}));
  events.push_back(bounce_event(env, attempt, {&bounced, 1}, id + "-000001"));
  events.push_back(test::status_change_sample{}.build());
  return events;
}

std::vector<std::string> found_in(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& s : secrets())
    if (text.find(s) != std::string::npos) found.push_back(s);
  return found;
}

TEST_CASE("no secrets: every event type, through the file and syslog outputs") {
  test::temp_dir dir;
  test::datagram_receiver collector;
  policy::events_settings s;
  s.file = dir.file("events.jsonl");
  s.syslog = "udp:127.0.0.1:" + std::to_string(collector.port());
  event_log log(s);

  auto events = every_event();
  std::set<std::string> types;
  for (const auto& e : events) {
    types.insert(std::string(e.at("eventType").as_string()));
    log.write(e);
    auto datagram = collector.receive();
    REQUIRE(datagram);
    CAPTURE(*datagram);
    CHECK(found_in(*datagram).empty());
  }
  CHECK(types == std::set<std::string>{"Send", "Reject", "AuthFailure", "Delivery", "DeliveryDelay", "Bounce",
                                       "MailFromDomainStatusChange"});
  const std::string file = test::read_file(s.file);
  CHECK(test::lines_of(s.file).size() == events.size());
  CHECK(found_in(file).empty());
  CHECK(file.find("app1") != std::string::npos);  // the user name is logged; only its password is not

  notification_email_settings ns;
  ns.to = "postmaster@example.com";
  ns.from = "mfrelay@relay.example.net";
  ns.hostname = "relay.example.net";
  auto mail = status_change_email(events.back(), ns, id, test::t0);
  REQUIRE(mail);
  CHECK(found_in(mail->content).empty());
  CHECK(found_in(mail->env.metadata).empty());
}

TEST_CASE("no secrets: the scan does see a planted secret (it could fail)") {
  mail_info leaky = message();
  leaky.subject = "password is " + password;  // client content is copied; the scan must notice
  auto e = send_event(leaky, accepted_decision(), id + "@mail.example.com", authenticated());
  CHECK(found_in(boost::json::serialize(e)) == std::vector<std::string>{password});
}

}  // namespace
}  // namespace mfrelay::relay
