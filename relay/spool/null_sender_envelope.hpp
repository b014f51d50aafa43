// The spool envelope of a message mfrelay writes itself (a state-change
// notification, a DSN): from the null sender, so nothing ever answers it, to one
// address, with the metadata that delivery events repeat (no identity's policy
// applied, no SMTP session brought it). Pure; any thread.
#pragma once
#include <boost/json/object.hpp>
#include <string>

#include "policy/time.hpp"
#include "relay/spool/envelope.hpp"

namespace mfrelay::relay {

struct own_message {
  std::string id;                 // the spool's name for it (policy::is_message_id)
  std::string to;                 // the one recipient
  std::string from;               // the From header's address
  std::string header_message_id;  // the Message-ID header
  std::string subject;
  std::string decision;           // what events show as policy.decision: "notification", "bounce"
  std::string listener;           // what events show as session.listener: "notifications", "bounces"
  boost::json::object more_mail;  // further fields of the events' "mail" object (a DSN's bounceOf)
};

envelope null_sender_envelope(const own_message& message, policy::timestamp now);

}  // namespace mfrelay::relay
