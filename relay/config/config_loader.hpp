// Loads conf/mfrelay.toml and the identities of conf/policy.d/*.toml into the
// policy model, with every error as `file:line:col: message`. Relative paths
// resolve against the main file's folder. Blocking file I/O: call at start-up,
// on reload, or from a worker, never from an SMTP session.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "policy/config.hpp"

namespace mfrelay::relay {

struct config_load_result {
  policy::config config;
  std::vector<policy::config_error> errors;  // empty = valid
  bool ok() const { return errors.empty(); }
};

// Parses, loads policy_dir, and runs policy::validate_config.
config_load_result load_config(const std::filesystem::path& main_file);

// Adds the [[identity]] entries of one policy file's text to `identities`.
void load_policy_text(std::string_view text, const std::string& file, policy::identity_table& identities,
                      std::vector<policy::config_error>& errors);

// Every *.toml in `dir`, in name order.
void load_policy_dir(const std::filesystem::path& dir, policy::identity_table& identities,
                     std::vector<policy::config_error>& errors);

// The whole text of a file, or an error naming it.
bool read_text_file(const std::filesystem::path& path, std::string& out, std::vector<policy::config_error>& errors);

}  // namespace mfrelay::relay
