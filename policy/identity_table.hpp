// The set of declared identities and the precedence rule that picks one for an
// address: the exact address, else the longest matching domain (a subdomain
// inherits its parent's identity). The winner applies whole.
// Immutable once built; share it across threads as const.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "policy/email_address.hpp"
#include "policy/identity.hpp"

namespace mfrelay::policy {

class identity_table {
 public:
  // Adds an identity; returns the one already declared under the same name
  // instead (the caller reports the duplicate), or nullptr when added.
  const identity* add(identity id);

  // Exact lookup by name (normalized with parse_identity_name first).
  const identity* find(std::string_view name) const;

  // The identity that governs mail from `address`, or nullptr when none does.
  const identity* match(const email_address& address) const;

  // The identity that governs `domain` itself (longest matching domain identity).
  const identity* match_domain(std::string_view domain) const;

  const std::vector<identity>& all() const { return identities_; }
  bool empty() const { return identities_.empty(); }

 private:
  std::vector<identity> identities_;
  std::map<std::string, std::size_t, std::less<>> by_name_;
};

}  // namespace mfrelay::policy
