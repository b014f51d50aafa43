#include "policy/identity_table.hpp"

#include <algorithm>

#include "policy/domain_name.hpp"

namespace mfrelay::policy {

const identity* identity_table::add(identity id) {
  if (const identity* earlier = find(id.name)) return earlier;
  by_name_.insert(id.name, identities_.size());
  if (id.dkim) ++signing_;
  state_keys_.push_back(state_snapshot::key_of(id.name, id.mail_from_domain));
  identities_.push_back(std::move(id));
  return nullptr;
}

void identity_table::reserve_more(std::size_t count) {
  const std::size_t needed = identities_.size() + count;
  if (needed <= identities_.capacity()) return;
  identities_.reserve(identities_.empty() ? needed : std::max(needed, identities_.capacity() + identities_.capacity() / 2));
  state_keys_.reserve(identities_.capacity());
}

const identity* identity_table::find(std::string_view name) const {
  std::size_t at = by_name_.find(name);
  return at == name_index::npos ? nullptr : &identities_[at];
}

const identity* identity_table::match(const email_address& address) const {
  // Both sides in one canonical form: "billing"@example.com is billing@example.com,
  // and a U-label domain is its A-label (identity names are stored that way).
  const std::string& domain = address.ascii_domain.empty() ? address.domain : address.ascii_domain;
  // The candidates, most specific first: the address, then the domain and
  // each parent (suffixes of `domain`, no copies). A dot-atom local part is its
  // own canonical form, composed on the stack (at most 64 + 1 + 255 octets);
  // a quoted one goes through canonical_local_part (rare).
  char buffer[64 + 1 + 255];
  std::string quoted;
  std::string_view exact;
  if (!address.local.starts_with('"') && address.local.size() + 1 + domain.size() <= sizeof buffer) {
    std::size_t length = address.local.copy(buffer, address.local.size());
    buffer[length++] = '@';
    length += domain.copy(buffer + length, domain.size());
    exact = std::string_view(buffer, length);
  } else {
    quoted = address.canonical();
    exact = quoted;
  }
  std::string_view names[max_batched];
  std::size_t positions[max_batched];
  std::size_t count = 0;
  names[count++] = exact;
  std::string_view rest = domain;
  for (; !rest.empty() && count < max_batched; rest = parent_domain(rest)) names[count++] = rest;
  by_name_.find_each({names, count}, {positions, count}, [this](std::size_t at) { __builtin_prefetch(&identities_[at]); });
  if (positions[0] != name_index::npos && identities_[positions[0]].kind == identity_kind::email_address)
    return &identities_[positions[0]];
  for (std::size_t i = 1; i < count; ++i) {
    if (positions[i] != name_index::npos && identities_[positions[i]].kind == identity_kind::domain)
      return &identities_[positions[i]];
  }
  return match_domain(rest);  // past max_batched labels: one lookup at a time
}

const identity* identity_table::match_domain(std::string_view domain) const {
  for (std::string_view name = domain; !name.empty(); name = parent_domain(name)) {
    if (const identity* id = find(name); id && id->kind == identity_kind::domain) return id;
  }
  return nullptr;
}

}  // namespace mfrelay::policy
