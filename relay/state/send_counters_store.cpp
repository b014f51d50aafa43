#include "relay/state/send_counters_store.hpp"

#include <map>

namespace mfrelay::relay {
namespace {

std::int64_t ms_of(policy::timestamp t) { return t.time_since_epoch().count(); }
policy::timestamp at_ms(std::int64_t ms) { return policy::timestamp{policy::duration{ms}}; }

}  // namespace

std::vector<send_counter_row> send_counter_rows(const send_quota& quota, const send_statistics& statistics,
                                               policy::timestamp now) {
  std::map<std::int64_t, send_counter_row> rows;
  for (const auto& q : quota.daily_counts(now)) {
    send_counter_row& r = rows[ms_of(q.start)];
    r.start_ms = ms_of(q.start);
    r.sent = q.count;
  }
  for (const auto& p : statistics.points(now)) {
    send_counter_row& r = rows[ms_of(p.timestamp)];
    r.start_ms = ms_of(p.timestamp);
    r.stats = p;
  }
  std::vector<send_counter_row> out;
  for (auto& [start, r] : rows) {
    r.stats.timestamp = at_ms(start);
    out.push_back(r);
  }
  return out;
}

}  // namespace mfrelay::relay
