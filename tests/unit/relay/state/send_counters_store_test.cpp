// The send counters store: SentLast24Hours and the GetSendStatistics buckets
// survive a reopen (a restart), each within its own window; an unchanged
// snapshot is not written again.
#include <doctest/doctest.h>

#include <memory>
#include <utility>
#include <vector>

#include "relay/state/sqlite_send_counters_store.hpp"
#include "support/temp_dir.hpp"
#include "support/fixed_time.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
using test::m0;
using test::w0;  // 22:15:00 UTC: a quarter-hour's start

TEST_CASE("the 24-hour count and the statistics survive a reopen, each within its window") {
  test::temp_dir dir;
  const std::string path = (dir.path() / "state.db").string();
  {
    send_quota quota(0, 100);
    send_statistics statistics;
    sqlite_send_counters_store store(path);
    store.load(quota, statistics, w0);
    CHECK_FALSE(store.save(quota, statistics, w0));  // nothing counted, nothing to write
    CHECK(quota.acquire(3, m0, w0) == quota_verdict::ok);
    CHECK(quota.acquire(2, m0, w0 + 20min) == quota_verdict::ok);
    statistics.add_delivery_attempts(4, w0);
    statistics.add_bounces(1, w0 + 20min);
    statistics.add_complaints(1, w0 + 20min);
    CHECK(store.save(quota, statistics, w0 + 20min));
    CHECK_FALSE(store.save(quota, statistics, w0 + 21min));  // unchanged
    statistics.add_rejects(1, w0 + 22min);
    CHECK(store.save(quota, statistics, w0 + 22min));
  }
  const auto restarted = [&](policy::timestamp now) {
    auto quota = std::make_unique<send_quota>(0, 100);
    auto statistics = std::make_unique<send_statistics>();
    sqlite_send_counters_store store(path);
    store.load(*quota, *statistics, now);
    return std::pair{std::move(quota), std::move(statistics)};
  };

  auto [quota, statistics] = restarted(w0 + 1h);
  CHECK(quota->sent_last_24_hours(w0 + 1h) == 5);
  CHECK(quota->daily_counts(w0 + 1h) == std::vector<quarter_count>{{w0, 3}, {w0 + 15min, 2}});
  CHECK(statistics->points(w0 + 1h) ==
        std::vector<send_data_point>{{w0, 4, 0, 0, 0}, {w0 + 15min, 0, 1, 1, 1}});
  // The restored count is the daily quota's too: 95 more pass, the 96th does not.
  CHECK(quota->acquire(95, m0, w0 + 1h) == quota_verdict::ok);
  CHECK(quota->acquire(1, m0, w0 + 1h) == quota_verdict::daily_exceeded);

  // A day later the 24-hour count has slid past them; the two-week statistics keep them.
  auto [later_quota, later_statistics] = restarted(w0 + 24h + 30min);
  CHECK(later_quota->sent_last_24_hours(w0 + 24h + 30min) == 0);
  CHECK(later_statistics->points(w0 + 24h + 30min).size() == 2);
  // After two weeks, nothing.
  auto [old_quota, old_statistics] = restarted(w0 + 15 * 24h);
  CHECK(old_statistics->points(w0 + 15 * 24h).empty());
}

TEST_CASE("daily_counts and restore_daily: quarter-hours outside the 24 hours are left out") {
  send_quota quota(0, 0);
  CHECK(quota.acquire(2, m0, w0 - 23h) == quota_verdict::ok);
  CHECK(quota.acquire(1, m0, w0) == quota_verdict::ok);
  CHECK(quota.daily_counts(w0) == std::vector<quarter_count>{{w0 - 23h, 2}, {w0, 1}});
  CHECK(quota.daily_counts(w0 + 2h) == std::vector<quarter_count>{{w0, 1}});

  send_quota restored(0, 0);
  restored.restore_daily({w0 - 25h, 7}, w0);  // too old
  restored.restore_daily({w0 + 1h, 7}, w0);   // in the future (the clock went back)
  restored.restore_daily({w0 - 1h, 4}, w0);
  CHECK(restored.sent_last_24_hours(w0) == 4);
}

}  // namespace
}  // namespace mfrelay::relay
