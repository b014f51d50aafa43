#include "relay/admin/identity_pages.hpp"

#include <algorithm>

#include "relay/auth/base64.hpp"

namespace mfrelay::relay {

std::optional<identity_page> page_identities(const policy::identity_table& identities,
                                             std::optional<policy::identity_kind> kind, std::size_t max_items,
                                             std::string_view next_token) {
  std::vector<const policy::identity*> sorted;
  for (const auto& id : identities.all()) {
    if (!kind || id.kind == *kind) sorted.push_back(&id);
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->name < b->name; });

  auto start = sorted.begin();
  if (!next_token.empty()) {
    auto first = base64_decode(next_token);
    if (!first || first->empty()) return std::nullopt;
    start = std::lower_bound(sorted.begin(), sorted.end(), *first,
                             [](const policy::identity* id, const std::string& name) { return id->name < name; });
  }
  identity_page page;
  auto remaining = static_cast<std::size_t>(sorted.end() - start);
  auto end = start + static_cast<std::ptrdiff_t>(std::min(remaining, max_items));
  page.items.assign(start, end);
  if (end != sorted.end()) page.next_token = base64_encode((*end)->name);
  return page;
}

}  // namespace mfrelay::relay
