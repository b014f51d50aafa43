// Renders identities as a policy.d file that load_policy_text reads back to the same identities.
// Pure, any thread.
// Names and domains may come from API clients: every string is an escaped TOML basic string.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/identity.hpp"

namespace mfrelay::relay {

// "a\"b" -> "\"a\\\"b\"": a TOML basic string; control characters escaped
// (\t, \n, ..., \u001F, \u007F), other bytes (UTF-8) kept as they are.
std::string toml_string(std::string_view text);

// The whole file: a header saying the admin API rewrites it (comments are not
// kept), then one [[identity]] table per identity, in the given order.
std::string render_policy_file(const std::vector<policy::identity>& identities);

}  // namespace mfrelay::relay
