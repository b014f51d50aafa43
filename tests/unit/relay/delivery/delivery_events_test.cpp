// delivery_events: the SES shapes of Delivery, DeliveryDelay and Bounce, with the
// envelope metadata's mail/policy/session copied through and nothing else.
#include "relay/delivery/delivery_events.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "relay/delivery/delivery_trouble.hpp"
#include "relay/delivery/reply_parser.hpp"

namespace mfrelay::relay {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const policy::timestamp received{std::chrono::milliseconds(1'764'000'000'000)};  // 2025-11-24T16:00:00Z

envelope sample_envelope() {
  envelope env;
  env.id = "0100019a1b2c3d4e-12345678-9abc-def0-1234-56789abcdef0-000000";
  env.original_sender = "app@example.com";
  env.return_path = env.id + "@mail.example.com";
  env.recipients = {"a@example.net", "b@example.net"};
  env.received_at = received;
  env.metadata = R"({"mail":{"timestamp":"2025-11-24T16:00:00.000Z","messageId":"m1","source":"app@example.com",)"
                 R"("destination":["a@example.net","b@example.net"]},)"
                 R"("policy":{"identity":"example.com","mailFromDomain":"mail.example.com","status":"Success",)"
                 R"("behaviorOnMxFailure":"UseDefaultValue","decision":"custom","returnPath":"x@mail.example.com"},)"
                 R"("session":{"id":"s1","clientIp":"127.0.0.1","listener":"local","authUser":null,"tls":false},)"
                 R"("internal":{"not":"for events"}})";
  return env;
}

delivery_attempt sample_attempt() {
  delivery_attempt a;
  a.at = received + 1234ms;
  a.number = 1;
  a.reporting_mta = "relay.example.com";
  a.remote_mta_ip = "127.0.0.1";
  a.expires = received + 120h;
  return a;
}

recipient_outcome outcome(std::string address, delivery_verdict v) {
  recipient_outcome o;
  o.address = std::move(address);
  o.verdict = std::move(v);
  return o;
}

delivery_verdict judged(smtp_stage stage, std::string text) {
  return judge_reply(stage, parse_reply(text + "\r\n").reply);
}

TEST_CASE("delivery_event: SES shape, metadata copied through") {
  envelope env = sample_envelope();
  std::vector<recipient_outcome> delivered{
      outcome("a@example.net", judged(smtp_stage::end_of_data, "250 2.0.0 Ok: queued as 4Xz")),
      outcome("b@example.net", judged(smtp_stage::end_of_data, "250 2.0.0 Ok: queued as 4Xz"))};
  json::object e = delivery_event(env, sample_attempt(), delivered);
  json::value expected = json::parse(R"({
    "eventType": "Delivery",
    "mail": {"timestamp":"2025-11-24T16:00:00.000Z","messageId":"m1","source":"app@example.com",
             "destination":["a@example.net","b@example.net"]},
    "delivery": {"timestamp":"2025-11-24T16:00:01.234Z","processingTimeMillis":1234,
                 "recipients":["a@example.net","b@example.net"],"smtpResponse":"250 2.0.0 Ok: queued as 4Xz",
                 "reportingMTA":"relay.example.com","remoteMtaIp":"127.0.0.1"},
    "policy": {"identity":"example.com","mailFromDomain":"mail.example.com","status":"Success",
               "behaviorOnMxFailure":"UseDefaultValue","decision":"custom","returnPath":"x@mail.example.com"},
    "session": {"id":"s1","clientIp":"127.0.0.1","listener":"local","authUser":null,"tls":false}
  })");
  CHECK(json::serialize(e) == json::serialize(expected));
  CHECK_FALSE(e.contains("internal"));
}

TEST_CASE("delay_event: SES shape") {
  envelope env = sample_envelope();
  std::vector<recipient_outcome> delayed{outcome("b@example.net", judged(smtp_stage::rcpt, "451 4.3.0 try later"))};
  json::object e = delay_event(env, sample_attempt(), delayed);
  CHECK(e.at("eventType") == "DeliveryDelay");
  json::value expected = json::parse(R"({"timestamp":"2025-11-24T16:00:01.234Z","delayType":"General",
    "expirationTime":"2025-11-29T16:00:00.000Z",
    "delayedRecipients":[{"emailAddress":"b@example.net","status":"4.3.0","diagnosticCode":"smtp; 451 4.3.0 try later"}],
    "reportingMTA":"relay.example.com","remoteMtaIp":"127.0.0.1"})");
  CHECK(json::serialize(e.at("deliveryDelay")) == json::serialize(expected));
  CHECK(e.at("policy").at("identity") == "example.com");
  CHECK(e.at("session").at("id") == "s1");
}

TEST_CASE("bounce_event: SES shape") {
  envelope env = sample_envelope();
  std::vector<recipient_outcome> bounced{outcome("a@example.net", judged(smtp_stage::rcpt, "550 5.1.1 unknown user"))};
  json::object e = bounce_event(env, sample_attempt(), bounced, "fb-1");
  CHECK(e.at("eventType") == "Bounce");
  json::value expected = json::parse(R"({"bounceType":"Permanent","bounceSubType":"General",
    "bouncedRecipients":[{"emailAddress":"a@example.net","action":"failed","status":"5.1.1",
                          "diagnosticCode":"smtp; 550 5.1.1 unknown user"}],
    "timestamp":"2025-11-24T16:00:01.234Z","feedbackId":"fb-1","reportingMTA":"dsn; relay.example.com",
    "remoteMtaIp":"127.0.0.1","dsnMessageId":null})");
  CHECK(json::serialize(e.at("bounce")) == json::serialize(expected));

  // The DSN mailed to the original sender for these recipients, by its message id.
  delivery_attempt with_dsn = sample_attempt();
  with_dsn.dsn_message_id = "0100019abc-dsn";
  CHECK(bounce_event(env, with_dsn, bounced, "fb-1").at("bounce").at("dsnMessageId") == "0100019abc-dsn");
}

TEST_CASE("events without usable metadata: mail rebuilt from the envelope, policy and session null") {
  for (std::string metadata : {"", "not json", "[1,2]", R"({"mail":"a string"})"}) {
    CAPTURE(metadata);
    envelope env = sample_envelope();
    env.metadata = metadata;
    auto attempt = sample_attempt();
    attempt.remote_mta_ip.clear();
    std::vector<recipient_outcome> delayed{outcome("a@example.net", judge_tls_not_offered("h:25"))};
    json::object e = delay_event(env, attempt, delayed);
    json::value mail = json::parse(R"({"timestamp":"2025-11-24T16:00:00.000Z",
      "messageId":"0100019a1b2c3d4e-12345678-9abc-def0-1234-56789abcdef0-000000","source":"app@example.com",
      "destination":["a@example.net","b@example.net"]})");
    CHECK(json::serialize(e.at("mail")) == json::serialize(mail));
    CHECK(e.at("policy").is_null());
    CHECK(e.at("session").is_null());
    CHECK(e.at("deliveryDelay").at("delayType") == "TransientCommunicationFailure");
    CHECK_FALSE(e.at("deliveryDelay").as_object().contains("remoteMtaIp"));
  }
}

}  // namespace
}  // namespace mfrelay::relay
