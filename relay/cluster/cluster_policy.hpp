// The identities of a node whose [store] is PostgreSQL (README "Running
// several nodes"): they come from the policy the cluster keeps in the database
// (pg_policy_store.hpp), not from this node's policy.d, so every node decides
// with the same ones. `mfrelay policy push` and the admin API of any node
// write it; every node reloads when it changes (pg_cluster_link hears the
// NOTIFY, with its periodic re-read as the safety net). The database going
// away leaves the last policy seen in force: a reload then uses it again.
// Blocking (one PostgreSQL session): call from one worker thread, never an
// I/O thread; loaded_revision() from any thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "relay/config/config_loader.hpp"
#include "relay/state/pg_connection.hpp"

namespace mfrelay::relay {

class cluster_policy {
 public:
  // `origin` names this node in the database's record of who wrote last.
  cluster_policy(std::string url, std::string origin);

  // At start, with the configuration loaded from disk: when nothing was pushed
  // yet, pushes this node's policy.d (the first node seeds the cluster); then
  // loads the main file with the stored policy. Throws std::runtime_error when
  // the database cannot answer (a node does not start on a database it never saw).
  config_load_result start(const std::filesystem::path& main_file, const policy::config& from_disk);

  // A reload: the main file from disk with the stored policy, read again now;
  // with the last policy seen when the database does not answer (a warning).
  config_load_result load(const std::filesystem::path& main_file);
  // After the daemon applied (made live) what start() or load() returned: its
  // revision is the one an admin API write must find still stored.
  void applied();
  std::int64_t loaded_revision() const { return applied_revision_.load(); }

  // Whether the database holds another revision than the one last read (the
  // link's change handler); false when it does not answer.
  bool changed();

  // An admin API change: `files` (an empty text removes one) when the stored
  // revision is still `expected`. nullopt when another node wrote first;
  // throws std::runtime_error when the database cannot answer.
  std::optional<std::int64_t> write(const std::vector<policy_text>& files, std::int64_t expected);
  // The text of a stored file as last read ("" when there was none).
  std::string last_text(const std::string& name) const;

 private:
  pg_connection db_;
  std::string origin_;
  mutable std::mutex mutex_;          // what follows
  std::vector<policy_text> files_;    // the last policy read
  std::int64_t read_revision_ = 0;    // its revision
  std::atomic<std::int64_t> applied_revision_{0};
};

}  // namespace mfrelay::relay
