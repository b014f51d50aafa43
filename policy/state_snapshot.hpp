// An immutable view of the live verification states, keyed by identity and
// MAIL FROM domain. The relay builds a new snapshot on every transition and
// swaps it in atomically; decisions read one snapshot for a whole transaction.
// Any thread once built.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "policy/verification.hpp"

namespace mfrelay::policy {

class state_snapshot {
 public:
  void set(const std::string& identity, const std::string& mail_from_domain, verification_state state);

  // The state of `identity`'s MAIL FROM domain, or nullopt when it was never
  // checked or the stored state belongs to an earlier MAIL FROM domain.
  std::optional<verification_state> find(std::string_view identity, std::string_view mail_from_domain) const;

  // Pending when nothing is known: a new setting starts there.
  mail_from_status status_of(std::string_view identity, std::string_view mail_from_domain) const {
    auto s = find(identity, mail_from_domain);
    return s ? s->status : mail_from_status::pending;
  }

  std::size_t size() const { return states_.size(); }

 private:
  struct entry {
    std::string mail_from_domain;
    verification_state state;
  };
  std::map<std::string, entry, std::less<>> states_;
};

}  // namespace mfrelay::policy
