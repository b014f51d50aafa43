// The SQLite state store: <state_dir>/state.db in WAL mode with synchronous=FULL,
// so a committed write survives a crash or power loss before the state is used.
// One instance per thread; readers (mfrelay status) may open the file alongside
// the daemon (WAL allows concurrent readers). An instance serves one kind of
// verification: the MAIL FROM tables, or the DKIM ones (their own connection).
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "relay/state/state_store.hpp"

struct sqlite3;

namespace mfrelay::relay {

class sqlite_state_store final : public state_store {
 public:
  // Creates the file and tables when missing unless `read_only`.
  // Throws std::runtime_error with the path and SQLite's message on failure.
  explicit sqlite_state_store(const std::string& path, bool read_only = false,
                              verification_kind kind = verification_kind::mail_from);
  ~sqlite_state_store() override;
  sqlite_state_store(const sqlite_state_store&) = delete;
  sqlite_state_store& operator=(const sqlite_state_store&) = delete;

  std::vector<stored_state> load_all() override;
  std::optional<stored_state> load(const std::string& identity) override;
  void write(const std::vector<state_write>& writes) override;
  void remove(const std::vector<std::string>& identities) override;
  std::vector<state_transition> history(const std::string& identity, std::size_t limit) override;

 private:
  void exec(const char* sql);
  bool has_schema();
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back and rethrows on error.
  void transaction(const std::function<void()>& body);
  [[noreturn]] void fail(const std::string& what);
  struct prepared;
  prepared& statements();  // prepared on first use (writers only)

  std::string path_;
  verification_kind kind_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<prepared> statements_;
};

}  // namespace mfrelay::relay
