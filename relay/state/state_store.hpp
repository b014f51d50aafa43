// Where live verification states survive restarts: the current state per
// identity + setting (MAIL FROM domain, or DKIM tokens), and the history of
// transitions; one store per verification_kind. An interface,
// so a PostgreSQL store can serve several nodes later; SQLite is the one we ship.
// Implementations block (disk I/O): call them from the store's own thread.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "policy/mail_from_check.hpp"
#include "policy/time.hpp"
#include "policy/verification.hpp"

namespace mfrelay::relay {

// What is verified: the custom MAIL FROM domain, or the Easy DKIM records.
// One store (and one verifier) per kind; the states and rules are the same.
enum class verification_kind { mail_from, dkim };

struct stored_state {
  std::string identity;
  // The setting checked: the MAIL FROM domain; for DKIM the three tokens,
  // space-separated (spf and spf_reason are then unused).
  std::string mail_from_domain;
  policy::verification_state state;
  std::optional<policy::timestamp> last_check;
  std::string last_outcome;  // "pass", "fail", "inconclusive"; empty before the first check
  std::string reason;        // the last check's reason
  policy::spf_status spf = policy::spf_status::unknown;
  std::string spf_reason;
};

struct state_transition {
  std::string identity;
  std::string mail_from_domain;
  std::optional<policy::mail_from_status> from;  // nullopt: the setting was just made
  policy::mail_from_status to = policy::mail_from_status::pending;
  policy::timestamp at{};
  std::string reason;
  std::string evidence;  // JSON: the DNS answers that caused it
};

// One write: the new current state, and the transition that led to it, if any.
struct state_write {
  stored_state current;
  std::optional<state_transition> transition;
};

class state_store {
 public:
  virtual ~state_store() = default;

  virtual std::vector<stored_state> load_all() = 0;

  // The current state of one identity, if stored. The default reads every
  // row; a store with an index on identity (SQLite) reads just that one.
  virtual std::optional<stored_state> load(const std::string& identity) {
    for (auto& s : load_all()) {
      if (s.identity == identity) return std::move(s);
    }
    return std::nullopt;
  }

  // Applies every write in one transaction; durable (fsynced) on return.
  // Throws std::runtime_error when the store cannot write.
  virtual void write(const std::vector<state_write>& writes) = 0;

  // Forgets the current state of identities no longer configured (history stays).
  virtual void remove(const std::vector<std::string>& identities) = 0;

  // The latest transitions, newest first; all identities when `identity` is empty.
  virtual std::vector<state_transition> history(const std::string& identity, std::size_t limit) = 0;
};

}  // namespace mfrelay::relay
