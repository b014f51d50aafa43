// The send counters in <state_dir>/state.db (send_counters_store for one node,
// [store] kind = "sqlite"): one row per quarter-hour, replaced in one durable
// transaction per save. Its own connection (WAL); blocks on disk. No untrusted input.
#pragma once
#include <string>
#include <vector>

#include "relay/state/send_counters_store.hpp"

struct sqlite3;

namespace mfrelay::relay {

class sqlite_send_counters_store final : public send_counters_store {
 public:
  // Opens (creating the table when missing) `path`. Throws std::runtime_error
  // with the path and SQLite's message on failure.
  explicit sqlite_send_counters_store(const std::string& path);
  ~sqlite_send_counters_store() override;
  sqlite_send_counters_store(const sqlite_send_counters_store&) = delete;
  sqlite_send_counters_store& operator=(const sqlite_send_counters_store&) = delete;

  void load(send_quota& quota, send_statistics& statistics, policy::timestamp now) override;
  bool save(const send_quota& quota, const send_statistics& statistics, policy::timestamp now) override;

 private:
  void exec(const char* sql);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::vector<send_counter_row> saved_;  // what the table holds now
};

}  // namespace mfrelay::relay
