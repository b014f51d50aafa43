#include "policy/identity_table.hpp"

#include "policy/domain_name.hpp"

namespace mfrelay::policy {

const identity* identity_table::add(identity id) {
  if (auto found = by_name_.find(id.name); found != by_name_.end()) return &identities_[found->second];
  by_name_.emplace(id.name, identities_.size());
  identities_.push_back(std::move(id));
  return nullptr;
}

const identity* identity_table::find(std::string_view name) const {
  auto found = by_name_.find(name);
  return found == by_name_.end() ? nullptr : &identities_[found->second];
}

const identity* identity_table::match(const email_address& address) const {
  // Both sides in one canonical form: "billing"@example.com is billing@example.com,
  // and a U-label domain is its A-label (identity names are stored that way).
  if (const identity* exact = find(address.canonical()); exact && exact->kind == identity_kind::email_address)
    return exact;
  return match_domain(address.ascii_domain.empty() ? address.domain : address.ascii_domain);
}

const identity* identity_table::match_domain(std::string_view domain) const {
  for (std::string_view name = domain; !name.empty(); name = parent_domain(name)) {
    if (const identity* id = find(name); id && id->kind == identity_kind::domain) return id;
  }
  return nullptr;
}

}  // namespace mfrelay::policy
