#include "relay/admin/change_request.hpp"

#include "relay/admin/api_error.hpp"
#include "relay/admin/identity_change_rules.hpp"

namespace mfrelay::relay {

std::string describe_errors(const std::vector<policy::config_error>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.where.file.empty() ? e.message : to_string(e);
  }
  return out;
}

boost::asio::awaitable<void> request_change(admin_backend& backend, identity_change change, std::string error_code) {
  std::vector<std::string> broken = change_rule_errors(backend.config()->identities, change);
  if (!broken.empty()) {
    std::string message;
    for (const auto& m : broken) message += (message.empty() ? "" : "; ") + m;
    throw api_error(400, error_code, message);
  }
  std::vector<policy::config_error> refused = co_await backend.change(std::move(change));
  if (!refused.empty()) throw api_error(400, error_code, describe_errors(refused));
}

}  // namespace mfrelay::relay
