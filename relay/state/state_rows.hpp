// The live state of every configured identity, joined from the configuration
// and the state store, for `mfrelay status`, `mfrelay explain` and the admin
// API. Blocking (reads the store): call off the event loop. Any thread.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "policy/config.hpp"
#include "policy/state_snapshot.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

struct identity_status {
  const policy::identity* identity = nullptr;
  std::optional<stored_state> stored;  // nullopt: no MAIL FROM domain, or not checked yet
  // The identity's Easy DKIM status when it signs (dkim = true) and one is
  // known; nullopt: NOT_STARTED, or not given to join_states.
  std::optional<policy::mail_from_status> dkim;
  // The effective status: the stored one when it is for the current MAIL FROM
  // domain, else Pending (a new setting starts there); nullopt without MAIL FROM.
  std::optional<policy::mail_from_status> status() const;
};

// One row per configured identity, in name order; `dkim_stored` (the DKIM
// store's rows) fills each row's dkim.
std::vector<identity_status> join_states(const policy::config& cfg, const std::vector<stored_state>& stored,
                                         const std::vector<stored_state>& dkim_stored = {});

// The stored states as a snapshot for policy::decide.
policy::state_snapshot make_snapshot(const std::vector<stored_state>& stored);

// <state_dir>/state.db; for [store] kind = "postgresql", its URL without the password.
std::string state_db_path(const policy::config& cfg);

// Reads the store read-only ([store] kind: state.db or PostgreSQL); nullopt
// when the daemon never created it. Throws std::runtime_error when PostgreSQL
// cannot answer.
std::optional<std::vector<stored_state>> read_stored_states(const policy::config& cfg);
// The same for the DKIM tables (empty when the store predates them).
std::vector<stored_state> read_stored_dkim_states(const policy::config& cfg);

}  // namespace mfrelay::relay
