// Where the account's sending counters survive restarts: send_quota's 24-hour
// count (GetSendQuota's SentLast24Hours, and the daily quota itself) and
// send_statistics' quarter-hour buckets (GetSendStatistics), one row per
// quarter-hour. An interface: sqlite_send_counters_store (<state_dir>/state.db,
// one node) and pg_send_counters_store (PostgreSQL: one row per node and
// quarter-hour, so the nodes' counts add up). The daemon loads them once before
// it serves, then saves a snapshot every second (when it changed) and at stop,
// on its store thread: the SMTP path never waits for it. A crash loses at most
// the last second's counts. May block. No untrusted input.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "policy/time.hpp"
#include "relay/state/send_quota.hpp"
#include "relay/state/send_statistics.hpp"

namespace mfrelay::relay {

// One quarter-hour of the counters, as a store keeps it.
struct send_counter_row {
  std::int64_t start_ms = 0;
  std::uint64_t sent = 0;  // send_quota's count
  send_data_point stats;   // zero when the quarter is only in the quota's count
  friend bool operator==(const send_counter_row&, const send_counter_row&) = default;
};

// The counters as they are at `now`, one row per quarter-hour that holds anything, oldest first.
std::vector<send_counter_row> send_counter_rows(const send_quota& quota, const send_statistics& statistics,
                                               policy::timestamp now);

class send_counters_store {
 public:
  virtual ~send_counters_store() = default;

  // Adds what was saved (by this node) to `quota` and `statistics` (each keeps
  // only the quarter-hours inside its window at `now`). Call before either
  // counts anything. Throws std::runtime_error.
  virtual void load(send_quota& quota, send_statistics& statistics, policy::timestamp now) = 0;
  // Replaces the saved rows with the counters as they are at `now`, unless
  // they equal what was last loaded or saved. True when written (or handed to
  // the writer). Throws std::runtime_error; one thread at a time.
  virtual bool save(const send_quota& quota, const send_statistics& statistics, policy::timestamp now) = 0;
  // What the other nodes sharing the store sent over the 24 hours up to `now`
  // (send_quota::set_others); 0 for a store of one node. Throws std::runtime_error.
  virtual std::uint64_t others_sent_last_24_hours(policy::timestamp /*now*/) { return 0; }
};

}  // namespace mfrelay::relay
