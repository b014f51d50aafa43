#include "relay/delivery/attempt_outcome.hpp"

#include "relay/delivery/delivery_trouble.hpp"
#include "relay/delivery/retry_schedule.hpp"

namespace mfrelay::relay {

attempt_outcome judge_attempt(unsigned number, policy::timestamp received_at,
                              const std::vector<recipient_outcome>& outcomes, std::string remote_address,
                              policy::timestamp now, const policy::delivery_settings& delivery,
                              std::string reporting_mta) {
  attempt_outcome out;
  out.attempt.at = now;
  out.attempt.number = number;
  out.attempt.reporting_mta = std::move(reporting_mta);
  out.attempt.remote_mta_ip = std::move(remote_address);
  out.attempt.expires = received_at + delivery.max_age;
  for (const auto& o : outcomes) {
    switch (o.verdict.fate) {
      case recipient_fate::delivered:
        out.delivered.push_back(o);
        break;
      case recipient_fate::bounced:
        out.bounced.push_back(o);
        break;
      case recipient_fate::deferred:
        if (now >= out.attempt.expires) {
          out.expired.push_back({o.address, judge_expired(o.verdict)});
        } else {
          out.delayed.push_back(o);
        }
        break;
    }
  }
  if (!out.delayed.empty()) out.retry_at = next_attempt(delivery.retry_schedule, number, now, out.attempt.expires);
  return out;
}

}  // namespace mfrelay::relay
