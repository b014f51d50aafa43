#include "relay/state/sqlite_send_counters_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>

#include "relay/state/sqlite_database.hpp"
#include "relay/state/sqlite_statement.hpp"

namespace mfrelay::relay {
namespace {

// One row per quarter-hour; times are milliseconds since the Unix epoch (UTC).
constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS send_counter (
  quarter_start_ms  INTEGER PRIMARY KEY,
  sent              INTEGER NOT NULL DEFAULT 0,
  delivery_attempts INTEGER NOT NULL DEFAULT 0,
  bounces           INTEGER NOT NULL DEFAULT 0,
  complaints        INTEGER NOT NULL DEFAULT 0,
  rejects           INTEGER NOT NULL DEFAULT 0
);
)sql";

policy::timestamp at_ms(std::int64_t ms) { return policy::timestamp{policy::duration{ms}}; }
// A count read back: never negative, whatever the file says.
std::uint64_t count(const sqlite_statement& s, int column) {
  std::int64_t v = s.integer(column);
  return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}
std::int64_t stored(std::uint64_t v) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(v, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
}

}  // namespace

sqlite_send_counters_store::sqlite_send_counters_store(const std::string& path)
    : path_(path), db_(open_store_database(path, "send counters", schema)) {}

sqlite_send_counters_store::~sqlite_send_counters_store() { sqlite3_close_v2(db_); }

void sqlite_send_counters_store::exec(const char* sql) { exec_sql(db_, sql, "send counters", path_); }

void sqlite_send_counters_store::load(send_quota& quota, send_statistics& statistics, policy::timestamp now) {
  sqlite_statement s(db_, "SELECT quarter_start_ms, sent, delivery_attempts, bounces, complaints, rejects "
                          "FROM send_counter ORDER BY quarter_start_ms");
  while (s.step()) {
    const policy::timestamp start = at_ms(s.integer(0));
    quota.restore_daily({start, count(s, 1)}, now);
    send_data_point p{start, count(s, 2), count(s, 3), count(s, 4), count(s, 5)};
    if (p.delivery_attempts + p.bounces + p.complaints + p.rejects > 0) statistics.restore(p);
  }
  // Rows that fell out of both windows stay until the next save() replaces
  // them all; load() never restores them, so they are harmless meanwhile.
  saved_ = send_counter_rows(quota, statistics, now);
}

bool sqlite_send_counters_store::save(const send_quota& quota, const send_statistics& statistics, policy::timestamp now) {
  std::vector<send_counter_row> rows = send_counter_rows(quota, statistics, now);
  if (rows == saved_) return false;
  exec("BEGIN IMMEDIATE");
  try {
    exec("DELETE FROM send_counter");
    sqlite_statement insert(db_, "INSERT INTO send_counter (quarter_start_ms, sent, delivery_attempts, bounces, "
                                 "complaints, rejects) VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto& r : rows) {
      insert.bind(1, r.start_ms)
          .bind(2, stored(r.sent))
          .bind(3, stored(r.stats.delivery_attempts))
          .bind(4, stored(r.stats.bounces))
          .bind(5, stored(r.stats.complaints))
          .bind(6, stored(r.stats.rejects));
      insert.run();
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  saved_ = std::move(rows);
  return true;
}

}  // namespace mfrelay::relay
