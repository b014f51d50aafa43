// `mfrelay serve`: run the relay.
#include <iostream>

#include "relay/cli/command.hpp"

namespace mfrelay::relay {
namespace {

int run(const cli_args& args) {
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_failed;
  std::cerr << "mfrelay serve: the configuration is valid, but the server is not built yet\n";
  return exit_failed;
}

}  // namespace

const command serve_command{
    "serve", "run the relay (SMTP listeners, verifier, delivery, admin API)",
    "usage: mfrelay serve [-c CONFIG]\n\n"
    "Runs the relay on the configuration until SIGTERM or SIGINT.\n",
    {},
    run};

}  // namespace mfrelay::relay
