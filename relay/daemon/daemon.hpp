// `mfrelay serve`: owns the io_context, its threads, and every long-lived part
// (state store, verification, event log), reloads policy on SIGHUP and stops
// gracefully on SIGTERM/SIGINT. Constructed and run on the main thread.
#pragma once
#include <string>

namespace mfrelay::relay {

// Runs until a stop signal; returns the process exit status.
int run_daemon(const std::string& config_path);

}  // namespace mfrelay::relay
