#include "relay/cluster/cluster_policy.hpp"

#include <spdlog/spdlog.h>

#include "relay/state/pg_migrations.hpp"
#include "relay/state/pg_policy_store.hpp"

namespace mfrelay::relay {

cluster_policy::cluster_policy(std::string url, std::string origin) : db_(std::move(url)), origin_(std::move(origin)) {}

config_load_result cluster_policy::start(const std::filesystem::path& main_file, const policy::config& from_disk) {
  db_.exec("SELECT 1");  // throws, saying why, when the database cannot be reached
  migrate(db_);
  std::vector<policy::config_error> errors;
  auto files = read_policy_dir(from_disk.relay.policy_dir, errors);
  if (!errors.empty()) return {from_disk, errors};
  stored_policy stored = pg_seed_policy(db_, files, origin_);
  if (!same_policy_files(files, stored.files))
    spdlog::info("cluster: this node's policy.d differs from the cluster's policy (revision {}), which is used",
                 stored.revision);
  spdlog::info("cluster: policy revision {} ({} files) read from the store", stored.revision, stored.files.size());
  {
    std::lock_guard lock(mutex_);
    files_ = stored.files;
    read_revision_ = stored.revision;
  }
  return load_config(main_file, stored.files);
}

config_load_result cluster_policy::load(const std::filesystem::path& main_file) {
  std::vector<policy_text> files;
  try {
    stored_policy stored = pg_read_policy(db_);
    std::lock_guard lock(mutex_);
    files_ = std::move(stored.files);
    read_revision_ = stored.revision;
    files = files_;
  } catch (const std::exception& e) {
    spdlog::warn("cluster: the policy cannot be read from the store ({}): the last one seen stays in force",
                 e.what());
    std::lock_guard lock(mutex_);
    files = files_;
  }
  return load_config(main_file, files);
}

void cluster_policy::applied() {
  std::lock_guard lock(mutex_);
  applied_revision_.store(read_revision_);
}

bool cluster_policy::changed() {
  try {
    const std::int64_t stored = pg_policy_revision(db_);
    std::lock_guard lock(mutex_);
    return stored != read_revision_;  // one that failed to load is not tried again until it changes
  } catch (const std::exception& e) {
    spdlog::debug("cluster: policy revision not read: {}", e.what());
    return false;
  }
}

std::optional<std::int64_t> cluster_policy::write(const std::vector<policy_text>& files, std::int64_t expected) {
  return pg_write_policy_files(db_, files, expected, origin_);
}

std::string cluster_policy::last_text(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& f : files_) {
    if (f.name == name) return f.text;
  }
  return "";
}

}  // namespace mfrelay::relay
