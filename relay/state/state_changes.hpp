// What changed between two sets of stored MAIL FROM states, by identity: a
// node that only reads the shared store (not the verifier) logs what it picked
// up with these. Pure: no I/O, no clock.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

struct state_change {
  std::string identity;
  std::string mail_from_domain;                  // the new one (the old one when removed)
  std::optional<policy::mail_from_status> from;  // nullopt: not known before
  std::optional<policy::mail_from_status> to;    // nullopt: removed
};

// The identities whose status, since or MAIL FROM domain differ (a new check
// time or reason alone is not a change), in identity order.
std::vector<state_change> state_changes(const std::map<std::string, stored_state>& before,
                                        const std::vector<stored_state>& after);

}  // namespace mfrelay::relay
