// dns/check_schedule: the verifier's timing rules, table by table.
#include "dns/check_schedule.hpp"

#include <doctest/doctest.h>

namespace mfrelay::dns {
namespace {

using namespace std::chrono_literals;
using policy::duration;
using policy::mail_from_status;
using policy::next_check;

const check_intervals intervals{5min, 1h, 1min, 0.1};
const policy::timestamp at{std::chrono::hours(24 * 365 * 50)};

TEST_CASE("jittered: within +-jitter, clamped") {
  CHECK(jittered(1000ms, 0.1, 0.0) == 900ms);
  CHECK(jittered(1000ms, 0.1, 0.5) == 1000ms);
  CHECK(jittered(1000ms, 0.1, 1.0) == 1100ms);
  CHECK(jittered(1000ms, 0.0, 0.9) == 1000ms);
  CHECK(jittered(1000ms, 3.0, 0.0) == 500ms);  // jitter clamped to 0.5
  CHECK(jittered(1000ms, -1.0, 1.0) == 1000ms);
}

TEST_CASE("interval_after: by the status after the check and what advance asked for") {
  struct row {
    mail_from_status status;
    next_check next;
    std::optional<duration> expected;
  };
  for (auto [status, next, expected] : {
           row{mail_from_status::pending, next_check::regular, 5min},
           row{mail_from_status::temporary_failure, next_check::regular, 5min},
           row{mail_from_status::success, next_check::regular, 1h},
           row{mail_from_status::success, next_check::soon, 1min},
           row{mail_from_status::pending, next_check::soon, 1min},
           row{mail_from_status::failed, next_check::never, std::nullopt},
       }) {
    CAPTURE(policy::to_string(status));
    policy::transition t{{status, at}, false, next};
    CHECK(interval_after(intervals, t, 0.5) == expected);
  }
  policy::transition success{{mail_from_status::success, at}, false, next_check::regular};
  CHECK(interval_after(intervals, success, 0.0) == 54min);
  CHECK(interval_after(intervals, success, 1.0) == 66min);
}

TEST_CASE("first_delay: spread when never checked or overdue; else when due; never when Failed") {
  policy::verification_state success{mail_from_status::success, at};
  CHECK(first_delay(intervals, success, std::nullopt, at, 0.0) == 0ms);
  CHECK(first_delay(intervals, success, std::nullopt, at, 0.5) == 3s);  // half of 10% of 1 min
  CHECK(first_delay(intervals, success, at - 10h, at, 0.5) == 3s);
  CHECK(first_delay(intervals, success, at - 20min, at, 0.5) == 40min);
  policy::verification_state pending{mail_from_status::pending, at};
  CHECK(first_delay(intervals, pending, at - 2min, at, 0.5) == 3min);
  policy::verification_state failed{mail_from_status::failed, at};
  CHECK_FALSE(first_delay(intervals, failed, std::nullopt, at, 0.5));
}

TEST_CASE("starts_in_window: never checked, or overdue by the plain interval; never when Failed") {
  policy::verification_state success{mail_from_status::success, at};  // every hour
  CHECK(starts_in_window(intervals, success, std::nullopt, at));
  CHECK(starts_in_window(intervals, success, at - 10h, at));
  CHECK(starts_in_window(intervals, success, at - 1h, at));
  CHECK_FALSE(starts_in_window(intervals, success, at - 20min, at));
  CHECK_FALSE(starts_in_window(intervals, {mail_from_status::failed, at}, std::nullopt, at));
}

}  // namespace
}  // namespace mfrelay::dns
