// Paging through the declared identities for ListIdentities (v1) and ListEmailIdentities (v2).
// Pure, any thread.
// The NextToken is client input (decoded strictly, never trusted as an index).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/identity_table.hpp"

namespace mfrelay::relay {

// Name order, at most N per page; the token is the base64 of the next page's
// first name, so a page survives identities added or removed between calls.
struct identity_page {
  std::vector<const policy::identity*> items;  // point into the table
  std::string next_token;                      // empty on the last page
};

// `kind` nullopt lists both kinds. Nullopt when `next_token` is not a token
// this function gave out.
std::optional<identity_page> page_identities(const policy::identity_table& identities,
                                             std::optional<policy::identity_kind> kind, std::size_t max_items,
                                             std::string_view next_token);

}  // namespace mfrelay::relay
