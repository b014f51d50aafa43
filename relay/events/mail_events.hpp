// The per-message and per-session events (DESIGN.md "Events"), shaped after
// SES event publishing: Send, Reject and AuthFailure, each with its `policy`
// and `session` objects, and the `mail` object delivery events reuse. Pure
// builders; any thread. Client text (addresses, headers) is only ever a JSON
// string value. No secrets: no password, no AUTH payload.
#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "policy/decision.hpp"
#include "policy/time.hpp"

namespace mfrelay::relay {

struct session_info {
  std::string id;
  std::string client_ip;
  std::string listener;
  std::string auth_user;  // "" before AUTH (or with no network user)
  std::string tls;        // "TLSv1.3", or "" without TLS
};

struct mail_info {
  policy::timestamp timestamp{};
  std::string message_id;  // "" when refused before DATA
  std::string source;      // the envelope sender as submitted ("" for <>)
  std::vector<std::string> destination;
  std::string from, to, subject, header_message_id;  // commonHeaders (raw header text)
};

boost::json::object session_json(const session_info& s);
boost::json::object mail_json(const mail_info& m);
// {identity, mailFromDomain, status, behaviorOnMxFailure, decision, returnPath}
boost::json::object policy_json(const policy::decision& d, const std::string& return_path);

boost::json::object send_event(const mail_info& m, const policy::decision& d, const std::string& return_path,
                               const session_info& s);
boost::json::object reject_event(const mail_info& m, const policy::decision* d, const policy::smtp_reply& reply,
                                 std::string_view reason, const session_info& s);
boost::json::object auth_failure_event(policy::timestamp t, const std::string& user, std::string_view reason,
                                       const session_info& s);

// The text of a reply as the client saw it: "554 5.7.1 Message rejected: ...".
std::string reply_text(const policy::smtp_reply& reply);

}  // namespace mfrelay::relay
