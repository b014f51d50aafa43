// `mfrelay serve`: run the relay.
#include "relay/cli/command.hpp"
#include "relay/daemon/daemon.hpp"

namespace mfrelay::relay {
namespace {

int run(const cli_args& args) { return run_daemon(config_path(args)); }

}  // namespace

const command serve_command{
    "serve", "run the relay (SMTP listeners, verifier, delivery, admin API)",
    "usage: mfrelay serve [-c CONFIG]\n\n"
    "Runs the relay on the configuration until SIGTERM or SIGINT. SIGHUP reloads\n"
    "the configuration and policy.d; a reload that fails validation keeps the\n"
    "running policy and logs why.\n",
    {},
    run};

}  // namespace mfrelay::relay
