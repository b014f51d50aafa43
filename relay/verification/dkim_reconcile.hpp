// What a (re)loaded configuration means for Easy DKIM verification: every
// dkim = true identity whose keys exist is a target, checked from its stored
// state; one without a stored state for its current tokens (new, or new keys)
// starts at Pending, written first; stored identities without DKIM (or keys)
// now are forgotten. Pure apart from `keys_of` (no I/O: the key store's cache).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dns/verifier.hpp"
#include "policy/config.hpp"
#include "relay/dkim/dkim_key_store.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

struct dkim_reconciliation {
  std::vector<dns::verification_target> targets;
  std::vector<state_write> starts;  // at Pending, with their transition
  std::vector<std::string> removed;
};

using dkim_keys_lookup = std::function<std::shared_ptr<const dkim::identity_keys>(const std::string& domain)>;

// The setting a DKIM state is stored for: the tokens, space-separated; with
// BYODKIM, the operator's selector (one name to check).
std::string dkim_setting(const dkim::identity_keys& keys);

dkim_reconciliation reconcile_dkim(const policy::config& cfg, const std::vector<stored_state>& stored,
                                   const dkim_keys_lookup& keys_of, policy::timestamp now);

}  // namespace mfrelay::relay
