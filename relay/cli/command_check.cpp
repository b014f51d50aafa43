// `mfrelay check`: validate the configuration and policy.d.
#include <iostream>

#include "relay/cli/command.hpp"

namespace mfrelay::relay {
namespace {

int run(const cli_args& args) {
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_failed;
  std::cout << cfg->main_file << ": OK (" << cfg->listeners.size() << " listeners, " << cfg->users.size()
            << " users, " << cfg->identities.all().size() << " identities in " << cfg->relay.policy_dir << ")\n";
  return exit_ok;
}

}  // namespace

const command check_command{
    "check", "validate the configuration and policy.d (errors as file:line:col)",
    "usage: mfrelay check [-c CONFIG]\n\n"
    "Reads the main configuration and every policy.d/*.toml, checks every rule\n"
    "(MAIL FROM domains, users, listeners), and prints each problem as\n"
    "file:line:col: message. Exit 0 when valid, 1 otherwise.\n",
    {},
    run};

}  // namespace mfrelay::relay
