// What a (re)loaded configuration means for verification: which identities
// are checked from which state, which new or changed MAIL FROM settings start
// at Pending (and must be written first), and which identities are forgotten.
// Pure; any thread.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dns/verifier.hpp"
#include "policy/config.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

// A new or changed MAIL FROM setting, which starts at Pending: start_write()
// makes the state_write that stores it. Kept this small (not the write
// itself, some 600 bytes with its strings) because a first start with 10^5
// identities has one per identity.
struct setting_start {
  const policy::identity* identity = nullptr;       // in the configuration reconciled, which must outlive it
  std::optional<policy::mail_from_status> from;     // the stored status it replaces, if any
  std::string previous_domain;                      // the stored MAIL FROM domain it replaces, if any
};

struct reconciliation {
  std::vector<dns::verification_target> targets;
  std::vector<setting_start> starts;  // new or changed settings, to be written at Pending first
  std::vector<std::string> removed;   // stored identities without a MAIL FROM setting now
};

reconciliation reconcile(const policy::config& cfg, const std::vector<stored_state>& stored, policy::timestamp now);

// The write that stores `start` at Pending since `now`, with its transition.
state_write start_write(const setting_start& start, policy::timestamp now);

}  // namespace mfrelay::relay
