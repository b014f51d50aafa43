// Turns one identity_change into new policy.d file contents, for admin_backend::change().
// Planning is pure; check_files_unchanged and the writes block (worker thread only).
// The change is client input (names normalized by the handlers).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/config.hpp"
#include "relay/admin/admin_backend.hpp"

namespace mfrelay::relay {

// The daemon's sequence: plan_policy_write -> check_files_unchanged ->
// planned_config + policy::validate_config -> write_policy_files -> reload.

// Where identities created through the API go, inside policy_dir.
inline constexpr std::string_view admin_policy_file = "admin-api.toml";

struct policy_file_write {
  std::string path;  // absolute (policy_dir joined with the file name)
  std::string text;  // the whole new file
};

struct policy_write_plan {
  // One entry per file to rewrite; empty when the change changes nothing
  // (create of an identity already declared).
  std::vector<policy_file_write> writes;
  // Why the change cannot be planned (anything but create of an identity that is
  // not declared); nothing is to be written then.
  std::vector<policy::config_error> errors;
};

// An identity declared in a file is changed (or removed) in that file, which is
// rewritten from the identities it declares, in their order (its comments are
// lost; the written header says so). A new identity is appended to
// <policy_dir>/admin-api.toml. Identities with no known file count as that one's.
policy_write_plan plan_policy_write(const policy::config& current, const identity_change& change);

// `current` as it will be once the planned files are loaded: identities of the
// files not rewritten are kept, each planned text is parsed with
// load_policy_text (its errors go to `errors`). Run policy::validate_config on
// the result before writing anything.
policy::config planned_config(const policy::config& current, const std::vector<policy_file_write>& writes,
                              std::vector<policy::config_error>& errors);

// Refuses to rewrite a file that no longer declares what `current` loaded from
// it (edited by hand since the last reload, or created meanwhile): the rewrite
// would silently discard that edit. One error per such file. Blocking: reads them.
std::vector<policy::config_error> check_files_unchanged(const policy::config& current,
                                                        const std::vector<policy_file_write>& writes);

// write_file_durably() for each planned file, in order. Throws std::system_error;
// the files already written stay written (each is whole, old or new).
void write_policy_files(const std::vector<policy_file_write>& writes);

}  // namespace mfrelay::relay
