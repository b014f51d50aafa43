// What the delivery queue tells the rest of the relay (events, metrics): every
// attempt's outcome, per message. Called on the queue's strand, one call at a time;
// implementations must not block for long and should not throw (a throw is logged
// and ignored). The envelope and verdict strings are client and upstream data.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "policy/time.hpp"
#include "relay/delivery/delivery_verdict.hpp"
#include "relay/spool/envelope.hpp"

namespace mfrelay::relay {

// One delivery attempt of one message.
struct delivery_attempt {
  policy::timestamp at{};       // when its outcome was known
  unsigned number = 0;          // 1 for the first attempt
  std::string reporting_mta;    // this relay's hostname
  std::string remote_mta_ip;    // the smarthost's address; empty when none was reached
  policy::timestamp expires{};  // received_at + max_age: deferred recipients bounce from then on
  std::string dsn_message_id;   // on_bounce: the DSN that reports these recipients; "" when none is sent
};

class delivery_observer {
 public:
  virtual ~delivery_observer() = default;

  // The server took the message for these recipients (2xx after ".").
  virtual void on_delivery(const envelope& env, const delivery_attempt& attempt,
                           std::span<const recipient_outcome> delivered) = 0;

  // These recipients will be tried again (verdict.delay_type says why, broadly).
  virtual void on_delay(const envelope& env, const delivery_attempt& attempt,
                        std::span<const recipient_outcome> delayed) = 0;

  // Given up for these recipients; all share verdict.bounce_type ("Permanent" for a
  // 5xx or a local refusal, "Transient" for max_age). `feedback_id` is unique per call.
  virtual void on_bounce(const envelope& env, const delivery_attempt& attempt,
                         std::span<const recipient_outcome> bounced, std::string_view feedback_id) = 0;

  // The spool could not give the message's bytes (gone, or damaged and quarantined):
  // it left the delivery queue without a delivery or a bounce.
  virtual void on_dropped(const envelope& env, std::string_view reason) {
    static_cast<void>(env);
    static_cast<void>(reason);
  }
};

}  // namespace mfrelay::relay
