// What one delivery attempt means for a message: which recipients are done
// (delivered, bounced, or expired because max_age passed while they were
// deferred), which wait, and when the next attempt is due. Pure: time is a
// parameter, nothing is sent or scheduled here. The queue's strand calls it.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "policy/config.hpp"
#include "policy/time.hpp"
#include "relay/delivery/delivery_observer.hpp"
#include "relay/delivery/delivery_verdict.hpp"

namespace mfrelay::relay {

struct attempt_outcome {
  delivery_attempt attempt;                    // number, time, reporting and remote MTA, expiry
  std::vector<recipient_outcome> delivered;    // 2xx after "."
  std::vector<recipient_outcome> bounced;      // refused for good (5xx, bad address, ...)
  std::vector<recipient_outcome> expired;      // deferred at or past expiry: bounced, quoting the deferral
  std::vector<recipient_outcome> delayed;      // deferred: tried again at retry_at
  std::optional<policy::timestamp> retry_at;   // set exactly when `delayed` is not empty
};

// `number`: this attempt's number (1 for the first); `received_at`: when the
// message was accepted; `outcomes`: one per recipient tried, in order.
attempt_outcome judge_attempt(unsigned number, policy::timestamp received_at,
                              const std::vector<recipient_outcome>& outcomes, std::string remote_address,
                              policy::timestamp now, const policy::delivery_settings& delivery,
                              std::string reporting_mta);

}  // namespace mfrelay::relay
