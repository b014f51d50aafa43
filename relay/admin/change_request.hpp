// Sends one identity_change to the backend after SES's rules; a refusal becomes an api_error.
// Any executor (resumes on the caller's).
// The change is client input.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "policy/origin.hpp"
#include "relay/admin/admin_backend.hpp"

namespace mfrelay::relay {

// Throws api_error(400, error_code, why) when the change is refused; nothing
// changed then.
boost::asio::awaitable<void> request_change(admin_backend& backend, identity_change change, std::string error_code);

// The errors as one message: "message" or "file:line:col: message", joined by "; ".
std::string describe_errors(const std::vector<policy::config_error>& errors);

}  // namespace mfrelay::relay
