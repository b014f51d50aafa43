// Command-line options of the mfrelay subcommands: `--name value`,
// `--name=value`, `-c value`, flags and positionals. Main thread only.
#pragma once
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mfrelay::relay {

struct option_spec {
  std::string_view name;     // "config"
  char short_name = 0;       // 'c', or 0
  bool takes_value = false;
};

struct cli_args {
  std::map<std::string, std::string, std::less<>> values;
  std::set<std::string, std::less<>> flags;
  std::vector<std::string> positional;
  std::string error;  // non-empty when the command line is malformed

  bool flag(std::string_view name) const { return flags.contains(name); }
  std::string value(std::string_view name, std::string_view fallback = {}) const;
  bool has(std::string_view name) const { return values.contains(name); }
};

// `args` excludes the program and subcommand names. -c/--config and -h/--help
// are always accepted.
cli_args parse_cli(std::span<char* const> args, std::span<const option_spec> options);

}  // namespace mfrelay::relay
