#include "relay/delivery/account_observer.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace mfrelay::relay {

void account_observer::on_delivery(const envelope& env, const delivery_attempt& attempt,
                                   std::span<const recipient_outcome> delivered) {
  statistics_.add_delivery_attempts(delivered.size(), attempt.at);
  next_.on_delivery(env, attempt, delivered);
}

void account_observer::on_delay(const envelope& env, const delivery_attempt& attempt,
                                std::span<const recipient_outcome> delayed) {
  next_.on_delay(env, attempt, delayed);
}

void account_observer::on_bounce(const envelope& env, const delivery_attempt& attempt,
                                 std::span<const recipient_outcome> bounced, std::string_view feedback_id) {
  statistics_.add_delivery_attempts(bounced.size(), attempt.at);
  statistics_.add_bounces(bounced.size(), attempt.at);
  next_.on_bounce(env, attempt, bounced, feedback_id);
  if (!suppression_) return;
  // A recipient refused for good (5xx) is suppressed; one that only expired
  // (Transient) is not, nor one that is on the list already.
  std::vector<std::string> addresses;
  for (const auto& o : bounced) {
    if (o.verdict.bounce_type == "Permanent" && o.verdict.bounce_sub_type != "OnAccountSuppressionList")
      addresses.push_back(o.address);
  }
  if (addresses.empty()) return;
  suppress_soon(std::move(addresses), suppression_reason::bounce, attempt.at, env.id, std::string(feedback_id));
}

void account_observer::on_feedback(const feedback_outcome& outcome) {
  const bool complaint = outcome.kind == feedback_outcome_kind::complaint;
  if (complaint)
    statistics_.add_complaints(1, outcome.at);
  else
    statistics_.add_bounces(outcome.recipients.size(), outcome.at);
  if (!suppression_) return;
  std::vector<std::string> addresses;
  for (const auto& r : outcome.recipients)
    if (r.suppressible) addresses.push_back(r.email_address);
  if (addresses.empty()) return;
  suppress_soon(std::move(addresses), complaint ? suppression_reason::complaint : suppression_reason::bounce,
                outcome.at, outcome.message_id, outcome.feedback_id);
}

void account_observer::suppress_soon(std::vector<std::string> addresses, suppression_reason reason,
                                     policy::timestamp at, std::string message_id, std::string feedback_id) {
  boost::asio::post(blocking_, [list = suppression_, addresses = std::move(addresses), reason, at,
                                message_id = std::move(message_id), feedback_id = std::move(feedback_id)] {
    for (const auto& a : addresses) {
      try {
        if (list->add(a, reason, at, message_id, feedback_id))
          spdlog::info("suppression list: {} added ({}, message {})", a, to_string(reason), message_id);
      } catch (const std::exception& ex) {
        spdlog::error("suppression list: cannot add {}: {}", a, ex.what());
      }
    }
  });
}

}  // namespace mfrelay::relay
