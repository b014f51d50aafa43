// The mfrelay subcommands: each one a descriptor (name, help, options) and a
// function, dispatched by main. Main thread only.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "relay/cli/cli_args.hpp"
#include "relay/config/config_loader.hpp"

namespace mfrelay::relay {

struct command {
  std::string_view name;
  std::string_view summary;  // one line for `mfrelay --help`
  std::string_view help;     // the whole `mfrelay NAME --help` text
  std::vector<option_spec> options;
  int (*run)(const cli_args& args);
};

// Exit codes shared by every subcommand.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;  // config invalid, message rejected, daemon unreachable
inline constexpr int exit_usage = 2;   // bad command line

extern const command check_command;
extern const command records_command;
extern const command explain_command;
extern const command hash_password_command;
extern const command serve_command;
extern const command status_command;
extern const command verify_command;
extern const command queue_command;
extern const command suppression_command;
extern const command policy_command;

const std::vector<const command*>& all_commands();

// The path of -c/--config, default conf/mfrelay.toml.
std::string config_path(const cli_args& args);

// Loads the configuration; on errors prints each as `file:line:col: message`
// to standard error and returns nullopt.
std::optional<policy::config> load_config_or_report(const cli_args& args);

}  // namespace mfrelay::relay
