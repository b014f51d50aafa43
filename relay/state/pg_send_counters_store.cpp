#include "relay/state/pg_send_counters_store.hpp"

#include <memory>
#include <string>

namespace mfrelay::relay {
namespace {

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

std::uint64_t count(const pg_value& v) {
  long long n = std::stoll(v.value_or("0"));
  return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

}  // namespace

void pg_send_counters_store::load(send_quota& quota, send_statistics& statistics, policy::timestamp now) {
  auto r = store_.read(
      "SELECT quarter_start_ms, sent, delivery_attempts, bounces, complaints, rejects FROM send_counter "
      "WHERE node = $1 ORDER BY quarter_start_ms",
      {node_});
  for (const auto& row : r.rows) {
    const policy::timestamp start{policy::duration{std::stoll(row[0].value_or("0"))}};
    quota.restore_daily({start, count(row[1])}, now);
    send_data_point p{start, count(row[2]), count(row[3]), count(row[4]), count(row[5])};
    if (p.delivery_attempts + p.bounces + p.complaints + p.rejects > 0) statistics.restore(p);
  }
  saved_ = send_counter_rows(quota, statistics, now);
}

bool pg_send_counters_store::save(const send_quota& quota, const send_statistics& statistics, policy::timestamp now) {
  auto rows = std::make_shared<const std::vector<send_counter_row>>(send_counter_rows(quota, statistics, now));
  if (*rows == saved_) return false;
  saved_ = *rows;
  store_.writer().submit([rows, node = node_](pg_connection& db) {
    db.exec("DELETE FROM send_counter WHERE node = $1", {node});
    for (const auto& r : *rows) {
      db.exec("INSERT INTO send_counter (node, quarter_start_ms, sent, delivery_attempts, bounces, complaints, "
              "rejects) VALUES ($1, $2, $3, $4, $5, $6, $7)",
              {node, std::to_string(r.start_ms), std::to_string(r.sent), std::to_string(r.stats.delivery_attempts),
               std::to_string(r.stats.bounces), std::to_string(r.stats.complaints), std::to_string(r.stats.rejects)});
    }
  });
  return true;
}

std::uint64_t pg_send_counters_store::others_sent_last_24_hours(policy::timestamp now) {
  // The quarter-hour that holds `now` minus 24 h has left send_quota's window too.
  const std::int64_t oldest = now.time_since_epoch().count() - day_ms;
  auto r = store_.read("SELECT coalesce(sum(sent), 0) FROM send_counter WHERE node <> $1 AND quarter_start_ms > $2",
                       {node_, std::to_string(oldest - 15 * 60 * 1000)});
  return r.rows.empty() ? 0 : count(r.rows[0][0]);
}

}  // namespace mfrelay::relay
