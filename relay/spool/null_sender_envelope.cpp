#include "relay/spool/null_sender_envelope.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "relay/common/clock.hpp"

namespace mfrelay::relay {

namespace json = boost::json;

envelope null_sender_envelope(const own_message& m, policy::timestamp now) {
  envelope env;
  env.id = m.id;
  env.original_sender = "";
  env.return_path = "";
  env.recipients = {m.to};
  env.received_at = now;
  json::object mail{{"timestamp", iso8601(now)},
                    {"messageId", m.id},
                    {"source", ""},
                    {"destination", json::array{json::string(m.to)}},
                    {"commonHeaders",
                     {{"from", json::array{json::string(m.from)}},
                      {"to", json::array{json::string(m.to)}},
                      {"messageId", m.header_message_id},
                      {"subject", m.subject}}}};
  for (const auto& [key, value] : m.more_mail) mail[key] = value;
  env.metadata = json::serialize(json::object{
      {"mail", std::move(mail)},
      {"policy",
       {{"identity", nullptr},
        {"mailFromDomain", nullptr},
        {"status", nullptr},
        {"behaviorOnMxFailure", nullptr},
        {"decision", m.decision},
        {"returnPath", ""}}},
      {"session",
       {{"id", nullptr}, {"clientIp", nullptr}, {"listener", m.listener}, {"authUser", nullptr}, {"tls", nullptr}}},
  });
  return env;
}

}  // namespace mfrelay::relay
