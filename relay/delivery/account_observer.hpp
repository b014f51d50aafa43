// What the account learns from delivery outcomes, in front of another
// observer (the event log): GetSendStatistics's DeliveryAttempts and Bounces,
// and SES's rule that a permanent bounce puts the recipient on the
// account-level suppression list (reason BOUNCE, when [feedback] suppress or
// PutAccountSuppressionAttributes allow it). Called on the delivery queue's
// strand; the suppression write (SQLite) is posted to `blocking`. Addresses are untrusted.
#pragma once
#include <boost/asio/any_io_executor.hpp>

#include <string>
#include <vector>

#include "relay/delivery/delivery_observer.hpp"
#include "relay/feedback/feedback_outcome.hpp"
#include "relay/feedback/suppression_list.hpp"
#include "relay/state/send_statistics.hpp"

namespace mfrelay::relay {

class account_observer : public delivery_observer {
 public:
  // `suppression` may be null (no automatic suppression).
  account_observer(delivery_observer& next, send_statistics& statistics, suppression_list* suppression,
                   boost::asio::any_io_executor blocking)
      : next_(next), statistics_(statistics), suppression_(suppression), blocking_(std::move(blocking)) {}

  void on_delivery(const envelope& env, const delivery_attempt& attempt,
                   std::span<const recipient_outcome> delivered) override;
  void on_delay(const envelope& env, const delivery_attempt& attempt,
                std::span<const recipient_outcome> delayed) override;
  void on_bounce(const envelope& env, const delivery_attempt& attempt, std::span<const recipient_outcome> bounced,
                 std::string_view feedback_id) override;
  void on_dropped(const envelope& env, std::string_view reason) override { next_.on_dropped(env, reason); }

  // A Bounce or Complaint from the feedback listener (its outcome handler; on the
  // feedback session's strand): counted for GetSendStatistics, and its
  // suppressible recipients go on the list (reason BOUNCE or COMPLAINT).
  void on_feedback(const feedback_outcome& outcome);

 private:
  // Adds the addresses on `blocking_` (SQLite), each logged; never throws.
  void suppress_soon(std::vector<std::string> addresses, suppression_reason reason, policy::timestamp at,
                     std::string message_id, std::string feedback_id);

  delivery_observer& next_;
  send_statistics& statistics_;
  suppression_list* suppression_;
  boost::asio::any_io_executor blocking_;
};

}  // namespace mfrelay::relay
