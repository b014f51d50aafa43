// What one identity_change does to the identity table, and SES's rules the result must pass.
// Pure, any thread. Used by the API handlers (SES's wording) and policy_writer.
// The change carries client input; names are expected normalized.
#pragma once
#include <string>
#include <vector>

#include "policy/identity_table.hpp"
#include "policy/origin.hpp"
#include "relay/admin/admin_backend.hpp"

namespace mfrelay::relay {

inline constexpr std::size_t max_identity_tags = 50;  // SES's limit per resource

// The table with `change` applied, in the same order: a changed identity keeps
// its place and origin, a removed one is left out, a created one is appended
// with origin `new_origin`. A change naming an identity it cannot apply to
// (set_mail_from/set_feedback_forwarding/tag/remove of an undeclared one, create of a declared one) leaves
// the table as it is.
policy::identity_table apply_change(const policy::identity_table& current, const identity_change& change,
                                    const policy::origin& new_origin);

// Why the change would make the identities invalid, one message per broken
// rule, SES's wording where SES has one: the MAIL FROM domain must be a valid
// hostname, a subdomain of the identity's domain ("Provided MAIL-FROM domain
// <x> is not subdomain of the domain of the identity <y>."), and not itself a
// sending identity; names, MAIL FROM domains and tags must be well-formed
// UTF-8 (policy.d is TOML); at most max_identity_tags tags. Empty when the
// result passes policy::validate_identities.
std::vector<std::string> change_rule_errors(const policy::identity_table& current, const identity_change& change);

}  // namespace mfrelay::relay
