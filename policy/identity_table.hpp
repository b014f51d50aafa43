// The set of declared identities and the precedence rule that picks one for an
// address: the exact address, else the longest matching domain (a subdomain
// inherits its parent's identity). The winner applies whole.
// Immutable once built; share it across threads as const. Lookups are hashed
// on string_views and allocate nothing: match() runs for every message.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/email_address.hpp"
#include "policy/identity.hpp"
#include "policy/name_index.hpp"
#include "policy/state_snapshot.hpp"

namespace mfrelay::policy {

class identity_table {
 public:
  // Adds an identity; returns the one already declared under the same name
  // instead (the caller reports the duplicate), or nullptr when added.
  const identity* add(identity id);
  // Makes room for `count` more identities before adding them: exactly that
  // many when none are held yet (one policy file of 10^5 identities gets one
  // buffer, not a doubling that holds the old and new at once), else
  // growing by at least half, so that many small files stay linear.
  void reserve_more(std::size_t count);

  // Exact lookup by name (normalized with parse_identity_name first).
  const identity* find(std::string_view name) const;

  // The identity that governs mail from `address`, or nullptr when none does.
  const identity* match(const email_address& address) const;

  // The identity that governs `domain` itself (longest matching domain identity).
  // Walks the parents as suffixes of `domain`, no copies.
  const identity* match_domain(std::string_view domain) const;

  const std::vector<identity>& all() const { return identities_; }

  // The state lookup's key of `id`'s MAIL FROM setting (state_snapshot::find(key,
  // ...)): computed when it was added, or now for an identity not of this table.
  state_snapshot::setting_key state_key(const identity& id) const {
    if (identities_.empty() || &id < identities_.data() || &id >= identities_.data() + identities_.size())
      return state_snapshot::key_of(id.name, id.mail_from_domain);
    return state_keys_[static_cast<std::size_t>(&id - identities_.data())];
  }
  bool empty() const { return identities_.empty(); }
  // Some identity has dkim = true: the session then watches each message for
  // its signature (counted as identities are added, not scanned per message).
  bool any_dkim() const { return signing_ > 0; }

 private:
  static constexpr std::size_t max_batched = 12;  // names looked up together by match()

  std::vector<identity> identities_;
  std::vector<state_snapshot::setting_key> state_keys_;  // one per identity, same order
  name_index by_name_;  // name -> position in identities_
  std::size_t signing_ = 0;  // identities with dkim = true
};

}  // namespace mfrelay::policy
