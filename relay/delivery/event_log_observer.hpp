// The default delivery_observer: one SES-shaped JSON line per outcome (delivery_events)
// appended to the event log. Called on the delivery queue's strand; event_log orders
// concurrent writers itself. No secrets: events hold the envelope, its metadata's
// mail/policy/session objects and the verdicts, nothing else.
#pragma once
#include "relay/delivery/delivery_observer.hpp"
#include "relay/events/event_log.hpp"

namespace mfrelay::relay {

class event_log_observer : public delivery_observer {
 public:
  explicit event_log_observer(event_log& log) : log_(log) {}

  void on_delivery(const envelope& env, const delivery_attempt& attempt,
                   std::span<const recipient_outcome> delivered) override;
  void on_delay(const envelope& env, const delivery_attempt& attempt,
                std::span<const recipient_outcome> delayed) override;
  void on_bounce(const envelope& env, const delivery_attempt& attempt, std::span<const recipient_outcome> bounced,
                 std::string_view feedback_id) override;

 private:
  event_log& log_;
};

}  // namespace mfrelay::relay
