// The feedback listener's decisions: which recipients it takes (RCPT
// <message-id>@<MAIL FROM domain> for a message the sent-message index still
// remembers, on a domain mfrelay issues return paths on), and what a report it
// took becomes (parse_feedback_report -> a Bounce or Complaint event, written
// to the event log, published to the webhook, and handed to the outcome
// handler: the suppression list's seam), and, unless the identity says
// forward_feedback = false, the report forwarded to the application's original
// envelope sender through mfrelay's own spool from the null sender. Called from
// feedback sessions on their strands; thread-safe. The recipients and the
// message are untrusted.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "policy/config.hpp"
#include "policy/email_address.hpp"
#include "policy/smtp_reply.hpp"
#include "relay/events/event_log.hpp"
#include "relay/events/mail_events.hpp"
#include "relay/feedback/feedback_outcome.hpp"
#include "relay/spool/message_store.hpp"
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
  // Where forwarded reports go: the spool, then `accepted` (delivery). Without
  // it (the default) nothing is forwarded. Before the listeners start.
  void set_forwarding(message_store& spool, std::function<void(const envelope&)> accepted) {
    spool_ = &spool;
    accepted_ = std::move(accepted);
  }

  // At RCPT: nullopt takes the recipient; otherwise
  // 550 5.1.1 <addr>: Recipient address rejected: ... (never says which check failed).
  std::optional<policy::smtp_reply> check_recipient(const policy::email_address& recipient,
                                                    const policy::config& cfg);

  // At the end of DATA: the report about each recipient's message (one event
  // each). Delay notices, auto-replies and unrecognised messages are only logged.
  // Completes once every forward is on disk (a spool failure is logged, the
  // events stand). Returns the number of Bounce/Complaint events written.
  boost::asio::awaitable<std::size_t> receive(std::string message, std::vector<policy::email_address> recipients,
                                              session_info session, std::shared_ptr<const policy::config> cfg);

 private:
  // `unavailable` (when given) is set when the index could not be read (a shared store away).
  std::optional<sent_message> lookup(const policy::email_address& recipient, const policy::config& cfg,
                                     bool* unavailable = nullptr);
  boost::asio::awaitable<void> forward(std::string_view message, const feedback_outcome& outcome,
                                       const policy::config& cfg);

  event_log& events_;
  sent_message_index& index_;
  std::function<void(const boost::json::object&)> publish_;
  feedback_outcome_handler on_outcome_;
  message_store* spool_ = nullptr;
  std::function<void(const envelope&)> accepted_;
};

}  // namespace mfrelay::relay
