// When a deferred message is tried again: the configured steps, the last one
// repeating, never past the message's expiry (received_at + max_age), so the last
// attempt happens right at expiry. Pure, any thread.
#pragma once
#include <vector>

#include "policy/time.hpp"

namespace mfrelay::relay {

// The wait after the `failures`-th deferred attempt (1 = the first). An empty
// schedule waits one minute.
policy::duration retry_delay(const std::vector<policy::duration>& schedule, unsigned failures);

// When to try next, deferred at `now` for the `failures`-th time: now + retry_delay,
// or `expires` when that comes first.
policy::timestamp next_attempt(const std::vector<policy::duration>& schedule, unsigned failures, policy::timestamp now,
                               policy::timestamp expires);

}  // namespace mfrelay::relay
