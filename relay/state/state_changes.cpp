#include "relay/state/state_changes.hpp"

#include <algorithm>
#include <set>

namespace mfrelay::relay {

std::vector<state_change> state_changes(const std::map<std::string, stored_state>& before,
                                        const std::vector<stored_state>& after) {
  std::vector<state_change> out;
  std::set<std::string> seen;
  for (const auto& s : after) {
    seen.insert(s.identity);
    auto it = before.find(s.identity);
    if (it == before.end()) {
      out.push_back({s.identity, s.mail_from_domain, std::nullopt, s.state.status});
      continue;
    }
    const stored_state& old = it->second;
    if (old.state.status != s.state.status || old.state.since != s.state.since ||
        old.mail_from_domain != s.mail_from_domain)
      out.push_back({s.identity, s.mail_from_domain, old.state.status, s.state.status});
  }
  for (const auto& [identity, old] : before) {
    if (!seen.contains(identity)) out.push_back({identity, old.mail_from_domain, old.state.status, std::nullopt});
  }
  std::sort(out.begin(), out.end(), [](const state_change& a, const state_change& b) { return a.identity < b.identity; });
  return out;
}

}  // namespace mfrelay::relay
