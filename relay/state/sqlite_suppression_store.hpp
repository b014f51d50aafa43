// The suppression list in <state_dir>/state.db (suppression_store for one
// node, [store] kind = "sqlite"): its own SQLite connection (WAL lets it share
// the file with sqlite_state_store), durable (synchronous=FULL) on return.
// Blocks on disk: call it off the I/O threads. Addresses are untrusted text.
#pragma once
#include <string>

#include "relay/state/suppression_store.hpp"

struct sqlite3;

namespace mfrelay::relay {

class sqlite_suppression_store final : public suppression_store {
 public:
  // Opens (creating when missing) the tables. Throws std::runtime_error with
  // SQLite's message on failure.
  explicit sqlite_suppression_store(const std::string& path);
  ~sqlite_suppression_store() override;
  sqlite_suppression_store(const sqlite_suppression_store&) = delete;
  sqlite_suppression_store& operator=(const sqlite_suppression_store&) = delete;

  std::vector<suppressed_destination> load_all() override;
  void put(const suppressed_destination& entry) override;
  bool remove(std::string_view address) override;
  std::optional<std::vector<suppression_reason>> load_reasons() override;
  void save_reasons(const std::vector<suppression_reason>& reasons) override;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace mfrelay::relay
