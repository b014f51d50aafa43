#include "relay/cli/command.hpp"

#include <iostream>

namespace mfrelay::relay {

const std::vector<const command*>& all_commands() {
  static const std::vector<const command*> commands{&serve_command,   &status_command,       &check_command,
                                                    &records_command, &explain_command,      &verify_command,
                                                    &queue_command,   &suppression_command, &policy_command,
                                                    &hash_password_command};
  return commands;
}

std::string config_path(const cli_args& args) { return args.value("config", "conf/mfrelay.toml"); }

std::optional<policy::config> load_config_or_report(const cli_args& args) {
  auto result = load_config(config_path(args));
  if (result.ok()) return std::move(result.config);
  for (const auto& error : result.errors) std::cerr << to_string(error) << '\n';
  std::cerr << result.errors.size() << (result.errors.size() == 1 ? " error" : " errors") << " in the configuration\n";
  return std::nullopt;
}

}  // namespace mfrelay::relay
