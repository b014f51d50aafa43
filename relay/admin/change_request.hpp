// Sends one identity_change to the backend after SES's rules; a refusal becomes an api_error.
// Any executor (resumes on the caller's).
// The change is client input.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "policy/origin.hpp"
#include "relay/admin/admin_backend.hpp"

namespace mfrelay::relay {

// Throws api_error(400, error_code, why) when the change is refused; nothing
// changed then. `why` names policy files by their base name only (the full
// errors go in api_error::detail, for the log).
boost::asio::awaitable<void> request_change(admin_backend& backend, identity_change change, std::string error_code);

// Turns the identity's Easy DKIM on or off (SetIdentityDkimEnabled,
// PutEmailIdentityDkimAttributes) through request_change; nothing when it already is.
boost::asio::awaitable<void> request_dkim_enabled(admin_backend& backend, const policy::identity& id, bool enabled,
                                                  std::string error_code);

// The errors as one message: "message" or "file:line:col: message", joined by "; ".
std::string describe_errors(const std::vector<policy::config_error>& errors);

// `text` with every absolute path cut to its last component
// ("/var/lib/mfrelay/policy.d/a.toml:3:1" -> "a.toml:3:1"): what a client may see.
std::string without_paths(std::string_view text);

}  // namespace mfrelay::relay
