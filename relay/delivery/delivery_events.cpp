#include "relay/delivery/delivery_events.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <string>

#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

namespace json = boost::json;

json::object parse_metadata(const envelope& env) {
  if (env.metadata.empty()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(env.metadata, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

// eventType and mail first, then the type's own object, then policy and session,
// as SES and the other events of this relay order them. Only `mail`, `policy` and
// `session` leave the metadata: whatever else the SMTP side keeps there stays home.
json::object start_event(std::string_view type, const envelope& env, const json::object& meta) {
  json::object event;
  event["eventType"] = type;
  if (const json::value* mail = meta.if_contains("mail"); mail && mail->is_object()) {
    event["mail"] = *mail;
  } else {
    json::array destination;
    for (const auto& r : env.recipients) destination.emplace_back(r);
    event["mail"] = json::object{{"timestamp", iso8601(env.received_at)},
                                 {"messageId", env.id},
                                 {"source", env.original_sender},
                                 {"destination", std::move(destination)}};
  }
  return event;
}

void finish_event(json::object& event, const json::object& meta) {
  for (const char* key : {"policy", "session"}) {
    const json::value* v = meta.if_contains(key);
    event[key] = v ? *v : json::value(nullptr);
  }
}

void add_remote(json::object& o, const delivery_attempt& attempt) {
  if (!attempt.remote_mta_ip.empty()) o["remoteMtaIp"] = attempt.remote_mta_ip;
}

}  // namespace

json::object delivery_event(const envelope& env, const delivery_attempt& attempt,
                            std::span<const recipient_outcome> delivered) {
  json::object meta = parse_metadata(env);
  json::object event = start_event("Delivery", env, meta);
  json::array recipients;
  for (const auto& o : delivered) recipients.emplace_back(o.address);
  json::object delivery{
      {"timestamp", iso8601(attempt.at)},
      {"processingTimeMillis", static_cast<std::int64_t>((attempt.at - env.received_at).count())},
      {"recipients", std::move(recipients)},
      {"smtpResponse", delivered.empty() ? std::string() : delivered.front().verdict.reply},
      {"reportingMTA", attempt.reporting_mta},
  };
  add_remote(delivery, attempt);
  event["delivery"] = std::move(delivery);
  finish_event(event, meta);
  return event;
}

json::object delay_event(const envelope& env, const delivery_attempt& attempt,
                         std::span<const recipient_outcome> delayed) {
  json::object meta = parse_metadata(env);
  json::object event = start_event("DeliveryDelay", env, meta);
  json::array recipients;
  for (const auto& o : delayed)
    recipients.emplace_back(json::object{
        {"emailAddress", o.address}, {"status", o.verdict.status}, {"diagnosticCode", o.verdict.diagnostic}});
  std::string delay_type = delayed.empty() || delayed.front().verdict.delay_type.empty()
                               ? std::string("Undetermined")
                               : delayed.front().verdict.delay_type;
  json::object delay{
      {"timestamp", iso8601(attempt.at)},           {"delayType", delay_type},
      {"expirationTime", iso8601(attempt.expires)}, {"delayedRecipients", std::move(recipients)},
      {"reportingMTA", attempt.reporting_mta},
  };
  add_remote(delay, attempt);
  event["deliveryDelay"] = std::move(delay);
  finish_event(event, meta);
  return event;
}

json::object bounce_event(const envelope& env, const delivery_attempt& attempt,
                          std::span<const recipient_outcome> bounced, std::string_view feedback_id) {
  json::object meta = parse_metadata(env);
  json::object event = start_event("Bounce", env, meta);
  json::array recipients;
  for (const auto& o : bounced)
    recipients.emplace_back(json::object{{"emailAddress", o.address},
                                         {"action", "failed"},
                                         {"status", o.verdict.status},
                                         {"diagnosticCode", o.verdict.diagnostic}});
  std::string bounce_type = bounced.empty() || bounced.front().verdict.bounce_type.empty()
                                ? std::string("Undetermined")
                                : bounced.front().verdict.bounce_type;
  json::object bounce{
      {"bounceType", bounce_type},
      {"bounceSubType", bounced.empty() || bounced.front().verdict.bounce_sub_type.empty()
                            ? std::string("General")
                            : bounced.front().verdict.bounce_sub_type},
      {"bouncedRecipients", std::move(recipients)},
      {"timestamp", iso8601(attempt.at)},
      {"feedbackId", feedback_id},
      {"reportingMTA", "dsn; " + attempt.reporting_mta},
  };
  add_remote(bounce, attempt);
  // The DSN mailed to the original sender for these recipients; null when none is sent.
  bounce["dsnMessageId"] = attempt.dsn_message_id.empty() ? json::value(nullptr) : json::value(attempt.dsn_message_id);
  event["bounce"] = std::move(bounce);
  finish_event(event, meta);
  return event;
}

}  // namespace mfrelay::relay
