#include "relay/delivery/retry_schedule.hpp"

#include <algorithm>
#include <chrono>

namespace mfrelay::relay {

policy::duration retry_delay(const std::vector<policy::duration>& schedule, unsigned failures) {
  if (schedule.empty()) return std::chrono::minutes(1);
  std::size_t step = failures == 0 ? 0 : std::min<std::size_t>(failures - 1, schedule.size() - 1);
  return std::max(schedule[step], policy::duration::zero());
}

policy::timestamp next_attempt(const std::vector<policy::duration>& schedule, unsigned failures, policy::timestamp now,
                               policy::timestamp expires) {
  return std::min(now + retry_delay(schedule, failures), std::max(expires, now));
}

}  // namespace mfrelay::relay
