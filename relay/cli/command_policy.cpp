// `mfrelay policy push`: a cluster's identities ([store] kind = "postgresql")
// live in the database (relay/state/pg_policy_store.hpp). Operators keep
// editing policy.d; this validates it with the main configuration, as `mfrelay
// check` does, and only then replaces the stored policy with its files, in one
// transaction. Every node reloads within a second (the NOTIFY). Main thread only.
#include <unistd.h>

#include <array>
#include <exception>
#include <iostream>

#include "relay/cli/command.hpp"
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

int push(const policy::config& cfg) {
  std::vector<policy::config_error> errors;
  std::vector<policy_text> files = read_policy_dir(cfg.relay.policy_dir, errors);
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << to_string(e) << '\n';
    return exit_failed;
  }
  try {
    pg_connection db(cfg.store.url);
    migrate(db);
    const std::int64_t revision = pg_push_policy(db, files, "mfrelay policy push on " + host_name());
    std::cout << "pushed " << files.size() << " files (" << cfg.identities.all().size() << " identities) from "
              << cfg.relay.policy_dir << ": the cluster's policy is revision " << revision << '\n';
  } catch (const std::exception& e) {
    std::cerr << "mfrelay policy push: nothing was pushed: " << e.what() << '\n';
    return exit_failed;
  }
  return exit_ok;
}

int run(const cli_args& args) {
  if (args.positional.size() != 1 || args.positional[0] != "push") {
    std::cerr << "mfrelay policy: unknown or missing action\n\n" << policy_command.help;
    return exit_usage;
  }
  auto cfg = load_config_or_report(args);  // policy.d is checked here: nothing invalid is pushed
  if (!cfg) return exit_failed;
  if (cfg->store.kind != policy::store_kind::postgresql) {
    std::cerr << "mfrelay policy push: " << cfg->main_file
              << " keeps its identities in policy.d ([store] kind is not \"postgresql\"): there is no cluster "
                 "policy to push to; a reload (SIGHUP) applies policy.d\n";
    return exit_failed;
  }
  return push(*cfg);
}

}  // namespace

const command policy_command{
    "policy", "push policy.d to a cluster's shared store (PostgreSQL)",
    "usage: mfrelay policy push [-c CONFIG]\n\n"
    "With [store] kind = \"postgresql\" every node takes its identities from the\n"
    "database, so all of them decide alike. Edit policy.d, then push: it is\n"
    "checked as `mfrelay check` does (errors as file:line:col, nothing pushed),\n"
    "then its *.toml files replace the stored ones in one transaction, and every\n"
    "node applies them within a second. Exit 0 when pushed, 1 otherwise.\n",
    {},
    run};

}  // namespace mfrelay::relay
