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

// One policy file's text, by its name inside policy_dir ("admin-api.toml"):
// what `mfrelay policy push` stores in PostgreSQL and every node loads from there.
struct policy_text {
  std::string name;
  std::string text;
};

// Parses, loads policy_dir, and runs policy::validate_config.
config_load_result load_config(const std::filesystem::path& main_file);
// The same, with the identities loaded from `policy` (a cluster's policy, read
// from the store) instead of policy_dir's files; each one still counts as
// <policy_dir>/<name> (errors, the admin API's rewrites).
config_load_result load_config(const std::filesystem::path& main_file, const std::vector<policy_text>& policy);

// Adds the [[identity]] entries of one policy file's text to `identities`.
void load_policy_text(std::string_view text, const std::string& file, policy::identity_table& identities,
                      std::vector<policy::config_error>& errors);

// The texts of every *.toml in `dir`, in name order.
std::vector<policy_text> read_policy_dir(const std::filesystem::path& dir, std::vector<policy::config_error>& errors);

// Every *.toml in `dir`, in name order.
void load_policy_dir(const std::filesystem::path& dir, policy::identity_table& identities,
                     std::vector<policy::config_error>& errors);

// The whole text of a file, or an error naming it.
bool read_text_file(const std::filesystem::path& path, std::string& out, std::vector<policy::config_error>& errors);

}  // namespace mfrelay::relay
