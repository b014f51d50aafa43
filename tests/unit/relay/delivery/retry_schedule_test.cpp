// retry_schedule: steps in order, the last repeating, clamped to the expiry.
#include "relay/delivery/retry_schedule.hpp"

#include <doctest/doctest.h>

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;

TEST_CASE("retry_delay: steps, then the last one repeats") {
  std::vector<policy::duration> schedule{1min, 5min, 15min};
  CHECK(retry_delay(schedule, 1) == 1min);
  CHECK(retry_delay(schedule, 2) == 5min);
  CHECK(retry_delay(schedule, 3) == 15min);
  CHECK(retry_delay(schedule, 4) == 15min);
  CHECK(retry_delay(schedule, 400) == 15min);
  CHECK(retry_delay(schedule, 0) == 1min);
  CHECK(retry_delay({}, 3) == 1min);
}

TEST_CASE("next_attempt: never after the expiry, so the last try is at expiry") {
  std::vector<policy::duration> schedule{1min, 1h};
  policy::timestamp start{std::chrono::hours(1000)};
  CHECK(next_attempt(schedule, 1, start, start + 2h) == start + 1min);
  CHECK(next_attempt(schedule, 2, start, start + 2h) == start + 1h);
  CHECK(next_attempt(schedule, 2, start, start + 10min) == start + 10min);
  CHECK(next_attempt(schedule, 2, start, start - 10min) == start);
}

}  // namespace
}  // namespace mfrelay::relay
