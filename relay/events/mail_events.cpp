#include "relay/events/mail_events.hpp"

#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

boost::json::value text_or_null(const std::string& text) {
  return text.empty() ? boost::json::value(nullptr) : boost::json::value(text);
}

}  // namespace

std::string reply_text(const policy::smtp_reply& reply) {
  std::string out = std::to_string(reply.code);
  if (!reply.enhanced.empty()) out += ' ' + reply.enhanced;
  return out + ' ' + reply.text;
}

boost::json::object session_json(const session_info& s) {
  return {{"id", s.id},
          {"clientIp", s.client_ip},
          {"listener", s.listener},
          {"authUser", text_or_null(s.auth_user)},
          {"tls", s.tls.empty() ? boost::json::value(false) : boost::json::value(s.tls)}};
}

boost::json::object mail_json(const mail_info& m) {
  boost::json::array destination;
  for (const auto& d : m.destination) destination.push_back(boost::json::string(d));
  boost::json::object common{{"from", boost::json::array{}}, {"to", boost::json::array{}}};
  if (!m.from.empty()) common["from"].as_array().push_back(boost::json::string(m.from));
  if (!m.to.empty()) common["to"].as_array().push_back(boost::json::string(m.to));
  common["messageId"] = text_or_null(m.header_message_id);
  common["subject"] = text_or_null(m.subject);
  return {{"timestamp", iso8601(m.timestamp)},
          {"messageId", text_or_null(m.message_id)},
          {"source", m.source},
          {"destination", std::move(destination)},
          {"commonHeaders", std::move(common)}};
}

boost::json::object policy_json(const policy::decision& d, const std::string& return_path) {
  boost::json::object o;
  o["identity"] = d.matched ? boost::json::value(d.matched->name) : nullptr;
  o["mailFromDomain"] =
      d.matched && d.matched->has_mail_from() ? boost::json::value(d.matched->mail_from_domain) : nullptr;
  o["status"] = d.status ? boost::json::value(to_string(*d.status)) : nullptr;
  o["behaviorOnMxFailure"] = d.matched ? boost::json::value(to_string(d.matched->behavior)) : nullptr;
  o["decision"] = to_string(d.kind);
  o["returnPath"] = text_or_null(return_path);
  return o;
}

boost::json::object send_event(const mail_info& m, const policy::decision& d, const std::string& return_path,
                               const session_info& s) {
  return {{"eventType", "Send"},
          {"mail", mail_json(m)},
          {"send", boost::json::object{}},
          {"policy", policy_json(d, return_path)},
          {"session", session_json(s)}};
}

boost::json::object reject_event(const mail_info& m, const policy::decision* d, const policy::smtp_reply& reply,
                                 std::string_view reason, const session_info& s) {
  return {{"eventType", "Reject"},
          {"mail", mail_json(m)},
          {"reject", {{"reason", reason}, {"smtpResponse", reply_text(reply)}}},
          {"policy", d ? boost::json::value(policy_json(*d, "")) : nullptr},
          {"session", session_json(s)}};
}

boost::json::object auth_failure_event(policy::timestamp t, const std::string& user, std::string_view reason,
                                       const session_info& s) {
  return {{"eventType", "AuthFailure"},
          {"timestamp", iso8601(t)},
          {"authFailure", {{"user", user}, {"reason", reason}}},
          {"policy", nullptr},
          {"session", session_json(s)}};
}

}  // namespace mfrelay::relay
