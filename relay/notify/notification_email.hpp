// The email an operator gets for each MAIL FROM state change (as SES mails the
// account owner): an RFC 5322 text/plain message, CRLF lines, 7-bit, and the
// spool envelope that carries it from the null sender. Pure; any thread. The
// event's DNS answers are untrusted: escaped to printable ASCII, lines bounded.
#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "policy/time.hpp"
#include "relay/spool/envelope.hpp"

namespace mfrelay::relay {

struct notification_email_settings {
  std::string from;      // the From address (the caller picks mfrelay@<hostname> when unset)
  std::string to;        // [notifications] email
  std::string hostname;  // right side of the Message-ID
  std::string feedback_host = "feedback-smtp.us-east-1.amazonses.com";  // for the records to publish
  std::string spf_include = "amazonses.com";
  policy::duration window = std::chrono::hours(72);  // Pending/TemporaryFailure -> Failed
};

struct notification_email {
  std::string subject;
  std::string content;  // the whole message as the spool stores it
  envelope env;         // return_path "" (the null sender: a notification never bounces
                        // back into a loop), recipients {to}, metadata {mail, policy, session}
};

// `event` is a MailFromDomainStatusChange event (status_change_event); nullopt for any other.
// `message_id` must be a fresh policy::is_message_id string (the spool's name for it).
std::optional<notification_email> status_change_email(const boost::json::object& event,
                                                      const notification_email_settings& settings,
                                                      const std::string& message_id, policy::timestamp now);

}  // namespace mfrelay::relay
