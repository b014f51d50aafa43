// Where the account's sending counters survive restarts: send_quota's 24-hour
// count (GetSendQuota's SentLast24Hours, and the daily quota itself) and
// send_statistics' quarter-hour buckets (GetSendStatistics), one row per
// quarter-hour in <state_dir>/state.db. The daemon loads them once before it
// serves, then saves a snapshot every second (when it changed) and at stop, on
// its store thread: the SMTP path never waits for it. A crash loses at most the
// last second's counts. Its own connection (WAL); blocks on disk. No untrusted input.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "policy/time.hpp"
#include "relay/state/send_quota.hpp"
#include "relay/state/send_statistics.hpp"

struct sqlite3;

namespace mfrelay::relay {

class send_counters_store {
 public:
  // Opens (creating the table when missing) `path`. Throws std::runtime_error
  // with the path and SQLite's message on failure.
  explicit send_counters_store(const std::string& path);
  ~send_counters_store();
  send_counters_store(const send_counters_store&) = delete;
  send_counters_store& operator=(const send_counters_store&) = delete;

  // Adds what was saved to `quota` and `statistics` (each keeps only the
  // quarter-hours inside its window at `now`). Call before either counts anything.
  void load(send_quota& quota, send_statistics& statistics, policy::timestamp now);
  // Replaces the saved rows with the counters as they are at `now`, in one
  // durable transaction, unless they equal what was last loaded or saved.
  // True when written. Throws std::runtime_error; one thread at a time.
  bool save(const send_quota& quota, const send_statistics& statistics, policy::timestamp now);

 private:
  struct row {
    std::int64_t start_ms = 0;
    std::uint64_t sent = 0;  // send_quota's count
    send_data_point stats;   // zero when the quarter is only in the quota's count
    friend bool operator==(const row&, const row&) = default;
  };
  static std::vector<row> snapshot(const send_quota& quota, const send_statistics& statistics,
                                   policy::timestamp now);
  void exec(const char* sql);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::vector<row> saved_;  // what the table holds now
};

}  // namespace mfrelay::relay
