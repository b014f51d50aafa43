// The sending quota on simulated time: the rate bucket refills at the rate,
// the 24-hour count slides by quarter-hours, and the daily quota wins over the rate.
#include <doctest/doctest.h>

#include "relay/state/send_quota.hpp"
#include "support/fixed_time.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
using test::m0;
using test::w0;  // 22:15:00 UTC: a quarter-hour's start

TEST_CASE("the rate lets a second's worth through, then refills at the rate") {
  send_quota q(2, 0);
  CHECK(q.acquire(1, m0, w0) == quota_verdict::ok);
  CHECK(q.acquire(1, m0, w0) == quota_verdict::ok);
  CHECK(q.acquire(1, m0, w0) == quota_verdict::rate_exceeded);
  CHECK(q.acquire(1, m0 + 499ms, w0) == quota_verdict::rate_exceeded);
  CHECK(q.acquire(1, m0 + 500ms, w0) == quota_verdict::ok);
  CHECK(q.acquire(1, m0 + 500ms, w0) == quota_verdict::rate_exceeded);
  // Idle for long: the bucket holds one second's worth, no more.
  CHECK(q.acquire(1, m0 + 60s, w0) == quota_verdict::ok);
  CHECK(q.acquire(1, m0 + 60s, w0) == quota_verdict::ok);
  CHECK(q.acquire(1, m0 + 60s, w0) == quota_verdict::rate_exceeded);
}

TEST_CASE("a message with more recipients than the rate goes, and its debt holds the next back") {
  send_quota q(1, 0);
  CHECK(q.acquire(5, m0, w0) == quota_verdict::ok);
  CHECK(q.acquire(1, m0 + 4s, w0) == quota_verdict::rate_exceeded);
  CHECK(q.acquire(1, m0 + 5s, w0) == quota_verdict::ok);
}

TEST_CASE("the daily quota refuses the message that would pass it, and the count slides") {
  send_quota q(0, 3);
  CHECK(q.acquire(1, m0, w0) == quota_verdict::ok);
  CHECK(q.acquire(2, m0, w0 + 1h) == quota_verdict::ok);
  CHECK(q.sent_last_24_hours(w0 + 1h) == 3);
  CHECK(q.acquire(1, m0, w0 + 2h) == quota_verdict::daily_exceeded);
  CHECK(q.sent_last_24_hours(w0 + 2h) == 3);  // a refusal does not count
  // The first message leaves the window a day (to the quarter-hour) later.
  CHECK(q.acquire(1, m0, w0 + 24h + 15min) == quota_verdict::ok);
  CHECK(q.sent_last_24_hours(w0 + 24h + 15min) == 3);
  CHECK(q.sent_last_24_hours(w0 + 26h) == 1);
}

TEST_CASE("the daily quota is reported before the rate, and a refused message spends no tokens") {
  send_quota q(1, 1);
  CHECK(q.acquire(1, m0, w0) == quota_verdict::ok);
  CHECK(q.acquire(1, m0, w0) == quota_verdict::daily_exceeded);
  send_quota r(1, 10);
  CHECK(r.acquire(1, m0, w0) == quota_verdict::ok);
  CHECK(r.acquire(1, m0, w0) == quota_verdict::rate_exceeded);
  CHECK(r.sent_last_24_hours(w0) == 1);  // the throttled one is not counted
}

TEST_CASE("refund gives back a message the spool did not keep; unlimited still counts") {
  send_quota q(0, 2);
  CHECK(q.acquire(2, m0, w0) == quota_verdict::ok);
  q.refund(2, w0);
  CHECK(q.sent_last_24_hours(w0) == 0);
  send_quota unlimited(0, 0);
  for (int i = 0; i < 100; ++i) CHECK(unlimited.acquire(1, m0, w0) == quota_verdict::ok);
  CHECK(unlimited.sent_last_24_hours(w0) == 100);
}

}  // namespace
}  // namespace mfrelay::relay
