// The send counters in PostgreSQL (send_counters_store for [store] kind =
// "postgresql"): one row per node and quarter-hour, so each node saves only
// its own counts (through pg_writer, never waiting on the database) and reads
// the others' sum for its daily quota (others_sent_last_24_hours, every
// second). `node` names this node (the daemon's node id). No untrusted input.
#pragma once
#include <string>
#include <vector>

#include "relay/state/pg_store.hpp"
#include "relay/state/send_counters_store.hpp"

namespace mfrelay::relay {

class pg_send_counters_store final : public send_counters_store {
 public:
  pg_send_counters_store(pg_store& store, std::string node) : store_(store), node_(std::move(node)) {}

  void load(send_quota& quota, send_statistics& statistics, policy::timestamp now) override;
  bool save(const send_quota& quota, const send_statistics& statistics, policy::timestamp now) override;
  std::uint64_t others_sent_last_24_hours(policy::timestamp now) override;

 private:
  pg_store& store_;
  std::string node_;
  std::vector<send_counter_row> saved_;
};

}  // namespace mfrelay::relay
