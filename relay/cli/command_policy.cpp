// `mfrelay policy push|pull`: a cluster's identities ([store] kind =
// "postgresql") live in the database (relay/state/pg_policy_store.hpp).
// Operators keep editing policy.d; push validates it with the main
// configuration, as `mfrelay check` does, and only then replaces the stored
// policy with its files, in one transaction; every node reloads within a
// second (the NOTIFY). Changes the admin API made since the last push are
// never discarded silently: pull brings them into policy.d. Main thread only.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <exception>
#include <filesystem>
#include <iostream>

#include "relay/cli/command.hpp"
#include "relay/common/durable_file.hpp"
#include "relay/state/pg_connection.hpp"
#include "relay/state/pg_migrations.hpp"
#include "relay/state/pg_policy_store.hpp"

namespace mfrelay::relay {
namespace {

std::string host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "?";
  return name.data();
}

// What no policy.d holds: the admin API's changes since the last push.
std::string unpushed(const stored_policy& stored) {
  return "the cluster's policy has changes made through the admin API since the last push (revision " +
         std::to_string(stored.revision) + ", " + stored.origin +
         "): `mfrelay policy pull` writes them into policy.d to edit and push; `mfrelay policy push --force` "
         "discards them";
}

int push(const policy::config& cfg, bool force) {
  std::vector<policy::config_error> errors;
  std::vector<policy_text> files = read_policy_dir(cfg.relay.policy_dir, errors);
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << to_string(e) << '\n';
    return exit_failed;
  }
  try {
    pg_connection db(cfg.store.url);
    migrate(db);
    stored_policy stored = pg_read_policy(db);
    if (!stored.from_files && !force && !same_policy_files(stored.files, files)) {
      std::cerr << "mfrelay policy push: nothing was pushed: " << unpushed(stored) << '\n';
      return exit_failed;
    }
    auto revision = pg_push_policy(db, files, "mfrelay policy push on " + host_name(), stored.revision);
    if (!revision) {
      std::cerr << "mfrelay policy push: nothing was pushed: the cluster's policy changed meanwhile; try again\n";
      return exit_failed;
    }
    std::cout << "pushed " << files.size() << " files (" << cfg.identities.all().size() << " identities) from "
              << cfg.relay.policy_dir << ": the cluster's policy is revision " << *revision << '\n';
  } catch (const std::exception& e) {
    std::cerr << "mfrelay policy push: nothing was pushed: " << e.what() << '\n';
    return exit_failed;
  }
  return exit_ok;
}

// The stored files replace policy.d's *.toml (each written whole and synced;
// a *.toml the cluster does not have is removed).
int pull(const policy::config& cfg) {
  try {
    pg_connection db(cfg.store.url);
    stored_policy stored = pg_read_policy(db);
    std::vector<policy::config_error> errors;
    const std::filesystem::path dir = cfg.relay.policy_dir;
    for (const auto& local : read_policy_dir(dir, errors)) {
      bool kept = std::any_of(stored.files.begin(), stored.files.end(),
                              [&](const policy_text& f) { return f.name == local.name; });
      if (!kept) std::filesystem::remove(dir / local.name);
    }
    for (const auto& f : stored.files) write_file_durably(dir / f.name, f.text);
    std::cout << "pulled " << stored.files.size() << " files (revision " << stored.revision << ") into "
              << cfg.relay.policy_dir << '\n';
  } catch (const std::exception& e) {
    std::cerr << "mfrelay policy pull: " << e.what() << '\n';
    return exit_failed;
  }
  return exit_ok;
}

int run(const cli_args& args) {
  const std::string action = args.positional.size() == 1 ? args.positional[0] : "";
  if (action != "push" && action != "pull") {
    std::cerr << "mfrelay policy: unknown or missing action\n\n" << policy_command.help;
    return exit_usage;
  }
  auto cfg = load_config_or_report(args);  // policy.d is checked here: nothing invalid is pushed
  if (!cfg) return exit_failed;
  if (cfg->store.kind != policy::store_kind::postgresql) {
    std::cerr << "mfrelay policy " << action << ": " << cfg->main_file
              << " keeps its identities in policy.d ([store] kind is not \"postgresql\"): there is no cluster "
                 "policy; a reload (SIGHUP) applies policy.d\n";
    return exit_failed;
  }
  return action == "push" ? push(*cfg, args.flag("force")) : pull(*cfg);
}

}  // namespace

const command policy_command{
    "policy", "push policy.d to a cluster's shared store (PostgreSQL), or pull it from there",
    "usage: mfrelay policy push [--force] [-c CONFIG]\n"
    "       mfrelay policy pull [-c CONFIG]\n\n"
    "With [store] kind = \"postgresql\" every node takes its identities from the\n"
    "database, so all of them decide alike. Edit policy.d, then push: it is\n"
    "checked as `mfrelay check` does (errors as file:line:col, nothing pushed),\n"
    "then its *.toml files replace the stored ones in one transaction, and every\n"
    "node applies them within a second. A push is refused while the stored\n"
    "policy holds changes made through the admin API since the last push:\n"
    "pull writes the stored files into policy.d (removing *.toml files the\n"
    "cluster does not have), to edit and push; --force discards those changes.\n"
    "Exit 0 when done, 1 otherwise.\n",
    {{"force", 0, false}},
    run};

}  // namespace mfrelay::relay
