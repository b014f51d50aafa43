#include "policy/user.hpp"

#include "policy/domain_name.hpp"

namespace mfrelay::policy {

bool user::may_send_as(const identity& id) const {
  for (const auto& allowed : identities) {
    if (allowed == "*" || allowed == id.name) return true;
    if (allowed.find('@') != std::string::npos) continue;  // an address allows only itself
    std::string_view domain = id.domain();
    if (domain == allowed || is_subdomain_of(domain, allowed)) return true;
  }
  return false;
}

const user* user_for_address(const std::vector<user>& users, const ip_address& address) {
  for (const auto& u : users) {
    for (const auto& net : u.networks) {
      if (net.contains(address)) return &u;
    }
  }
  return nullptr;
}

const user* find_user(const std::vector<user>& users, std::string_view name) {
  for (const auto& u : users) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

}  // namespace mfrelay::policy
