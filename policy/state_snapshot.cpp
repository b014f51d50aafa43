#include "policy/state_snapshot.hpp"

namespace mfrelay::policy {

void state_snapshot::set(const std::string& identity, const std::string& mail_from_domain,
                         verification_state state) {
  states_.insert_or_assign(identity, entry{mail_from_domain, state});
}

std::optional<verification_state> state_snapshot::find(std::string_view identity,
                                                       std::string_view mail_from_domain) const {
  auto found = states_.find(identity);
  if (found == states_.end() || found->second.mail_from_domain != mail_from_domain) return std::nullopt;
  return found->second.state;
}

}  // namespace mfrelay::policy
