#include "relay/feedback/feedback_receiver.hpp"

#include <spdlog/spdlog.h>

#include "policy/ascii.hpp"
#include "policy/message_id.hpp"
#include "relay/common/clock.hpp"
#include "relay/common/message_ids.hpp"
#include "relay/feedback/feedback_events.hpp"
#include "relay/feedback/feedback_forward.hpp"
#include "relay/feedback/feedback_report.hpp"

namespace mfrelay::relay {
namespace {

// A domain mfrelay gives envelope senders on: some identity's custom MAIL FROM
// domain, or the default one when the operator owns it.
bool issued_domain(std::string_view domain, const policy::config& cfg) {
  if (cfg.feedback.accept_default_domain && policy::ascii_iequals(domain, cfg.default_mail_from_domain())) return true;
  for (const auto& id : cfg.identities.all()) {
    if (id.has_mail_from() && policy::ascii_iequals(domain, id.mail_from_domain)) return true;
  }
  return false;
}

}  // namespace

feedback_receiver::feedback_receiver(event_log& events, sent_message_index& index,
                                     std::function<void(const boost::json::object&)> publish,
                                     feedback_outcome_handler on_outcome)
    : events_(events), index_(index), publish_(std::move(publish)), on_outcome_(std::move(on_outcome)) {}

std::optional<sent_message> feedback_receiver::lookup(const policy::email_address& recipient,
                                                      const policy::config& cfg, bool* unavailable) {
  // Cheapest first: the shape of the local part, the domain, then the index.
  if (!policy::is_message_id(recipient.local) || !issued_domain(recipient.domain, cfg)) return std::nullopt;
  std::optional<sent_message> found = index_.find(recipient.local, unavailable);
  // The address must be the very one issued: the id on another of our domains is not.
  if (!found || !policy::ascii_iequals(found->mail_from_domain, recipient.domain)) return std::nullopt;
  return found;
}

std::optional<policy::smtp_reply> feedback_receiver::check_recipient(const policy::email_address& recipient,
                                                                     const policy::config& cfg) {
  bool unavailable = false;
  if (lookup(recipient, cfg, &unavailable)) return std::nullopt;
  // The index could not be read (PostgreSQL away): the sender tries again
  // later rather than losing the bounce to a permanent refusal.
  if (unavailable)
    return policy::smtp_reply{451, "4.3.0", "<" + recipient.str() + ">: Temporary lookup failure, try again later"};
  // SES's wording; the same for an unknown id, an expired one, a foreign domain
  // and a relay attempt, so that probing tells nothing.
  return policy::smtp_reply{550, "5.1.1", "<" + recipient.str() + ">: Recipient address rejected"};
}

boost::asio::awaitable<std::size_t> feedback_receiver::receive(std::string message,
                                                              std::vector<policy::email_address> recipients,
                                                              session_info session,
                                                              std::shared_ptr<const policy::config> config) {
  const policy::config& cfg = *config;
  feedback_limits limits;
  limits.max_input_bytes = static_cast<std::size_t>(cfg.limits.max_message_bytes);
  feedback_report report = parse_feedback_report(message, limits);
  std::size_t written = 0;
  for (const auto& recipient : recipients) {
    // Looked up again: the index answers for the whole retention, and a message
    // that expired between RCPT and the end of DATA is simply not matched.
    std::optional<sent_message> original = lookup(recipient, cfg);
    if (!original) {
      spdlog::warn("feedback session {}: {} is no longer known; report dropped", session.id, recipient.str());
      continue;
    }
    if (report.kind != feedback_kind::bounce && report.kind != feedback_kind::complaint) {
      // Never a Bounce: a delay is not a failure, an auto-reply is not a bounce.
      spdlog::info("feedback session {}: {} for message {} from {}: {}{}", session.id, to_string(report.kind),
                   original->message_id, session.client_ip, report.reason.empty() ? "no event" : report.reason,
                   report.truncated ? " (truncated)" : "");
      continue;
    }
    feedback_outcome outcome = feedback_outcome_of(report, *original, new_message_id(), now());
    boost::json::object event = feedback_event(report, outcome, *original, session);
    events_.write(event);
    if (publish_) publish_(event);
    if (on_outcome_) {
      try {
        on_outcome_(outcome);
      } catch (const std::exception& e) {
        spdlog::error("feedback session {}: outcome handler: {}", session.id, e.what());
      }
    }
    ++written;
    co_await forward(message, outcome, cfg);
  }
  co_return written;
}

boost::asio::awaitable<void> feedback_receiver::forward(std::string_view message, const feedback_outcome& outcome,
                                                        const policy::config& cfg) {
  if (!spool_) co_return;
  // SES's default is on; an identity removed since the message was sent keeps it.
  const policy::identity* id = outcome.identity.empty() ? nullptr : cfg.identities.find(outcome.identity);
  if (id && !id->forward_feedback) co_return;
  // A sender on one of our own MAIL FROM domains would bring the forward back
  // to this listener as a report about that address: never loop.
  if (auto at = outcome.source.rfind('@');
      at != std::string::npos && issued_domain(std::string_view(outcome.source).substr(at + 1), cfg)) {
    spdlog::warn("feedback {}: not forwarded to <{}>, an address on a MAIL FROM domain", outcome.feedback_id,
                 outcome.source);
    co_return;
  }
  auto mail = forward_feedback_message(message, outcome, cfg.relay.hostname, new_message_id(), now());
  if (!mail) co_return;
  try {
    message_writer writer = spool_->begin(mail->env.id);
    writer.append(mail->content);
    co_await spool_->commit(std::move(writer), mail->env);
  } catch (const std::exception& e) {
    spdlog::error("feedback {}: forward to <{}> not queued: {}", outcome.feedback_id, outcome.source, e.what());
    co_return;
  }
  spdlog::info("feedback {}: {} for message {} forwarded to <{}> as {}", outcome.feedback_id,
               outcome.kind == feedback_outcome_kind::complaint ? "complaint" : "bounce", outcome.message_id,
               outcome.source, mail->env.id);
  if (accepted_) accepted_(mail->env);
}

}  // namespace mfrelay::relay
