// The feedback listener's decisions: which recipients it takes (RCPT
// <message-id>@<MAIL FROM domain> for a message the sent-message index still
// remembers, on a domain mfrelay issues return paths on), and what a report it
// took becomes (parse_feedback_report -> a Bounce or Complaint event, written
// to the event log, published to the webhook, and handed to the outcome
// handler: the suppression list's seam). Called from feedback sessions on their
// strands; thread-safe. The recipients and the message are untrusted.
#pragma once
#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "policy/config.hpp"
#include "policy/email_address.hpp"
#include "policy/smtp_reply.hpp"
#include "relay/events/event_log.hpp"
#include "relay/events/mail_events.hpp"
#include "relay/feedback/feedback_outcome.hpp"
#include "relay/state/sent_message_index.hpp"

namespace mfrelay::relay {

class feedback_receiver {
 public:
  // `publish` gets every Bounce/Complaint event after the log (the notifier's
  // webhook); may be empty. `on_outcome` may be set later, before serving.
  feedback_receiver(event_log& events, sent_message_index& index,
                    std::function<void(const boost::json::object&)> publish = {},
                    feedback_outcome_handler on_outcome = {});

  // Before the listeners start (not thread-safe against receive()).
  void set_outcome_handler(feedback_outcome_handler handler) { on_outcome_ = std::move(handler); }

  // At RCPT: nullopt takes the recipient; otherwise
  // 550 5.1.1 <addr>: Recipient address rejected: ... (never says which check failed).
  std::optional<policy::smtp_reply> check_recipient(const policy::email_address& recipient,
                                                    const policy::config& cfg);

  // At the end of DATA: the report about each recipient's message (one event
  // each). Delay notices, auto-replies and unrecognised messages are only logged.
  // Returns the number of Bounce/Complaint events written.
  std::size_t receive(std::string_view message, const std::vector<policy::email_address>& recipients,
                      const session_info& session, const policy::config& cfg);

 private:
  std::optional<sent_message> lookup(const policy::email_address& recipient, const policy::config& cfg);

  event_log& events_;
  sent_message_index& index_;
  std::function<void(const boost::json::object&)> publish_;
  feedback_outcome_handler on_outcome_;
};

}  // namespace mfrelay::relay
