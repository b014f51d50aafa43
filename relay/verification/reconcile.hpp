// What a (re)loaded configuration means for verification: which identities
// are checked from which state, which new or changed MAIL FROM settings start
// at Pending (and must be written first), and which identities are forgotten.
// Pure; any thread.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "dns/verifier.hpp"
#include "policy/config.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

struct reconciliation {
  std::vector<dns::verification_target> targets;
  std::vector<state_write> writes;   // new or changed settings, at Pending
  std::vector<std::string> removed;  // stored identities without a MAIL FROM setting now
};

reconciliation reconcile(const policy::config& cfg, const std::vector<stored_state>& stored, policy::timestamp now);

}  // namespace mfrelay::relay
