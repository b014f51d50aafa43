#include "relay/delivery/event_log_observer.hpp"

#include "relay/delivery/delivery_events.hpp"

namespace mfrelay::relay {

void event_log_observer::on_delivery(const envelope& env, const delivery_attempt& attempt,
                                     std::span<const recipient_outcome> delivered) {
  log_.write(delivery_event(env, attempt, delivered));
}

void event_log_observer::on_delay(const envelope& env, const delivery_attempt& attempt,
                                  std::span<const recipient_outcome> delayed) {
  log_.write(delay_event(env, attempt, delayed));
}

void event_log_observer::on_bounce(const envelope& env, const delivery_attempt& attempt,
                                   std::span<const recipient_outcome> bounced, std::string_view feedback_id) {
  log_.write(bounce_event(env, attempt, bounced, feedback_id));
}

}  // namespace mfrelay::relay
