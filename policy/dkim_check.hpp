// What a DNS check of an identity's Easy DKIM records concludes: the TXT
// answers of its three <token>._domainkey.<domain> names (CNAMEs followed by
// the resolver) against the public key mfrelay signs with. Pure, any thread.
// The answers come from DNS servers on the network and are untrusted.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/mail_from_check.hpp"
#include "policy/verification.hpp"

namespace mfrelay::policy {

// SES's rule, kept: all three names must carry our key. A name that is gone
// (NXDOMAIN, no TXT) or carries another key fails the check; resolver trouble
// on any name (timeout, SERVFAIL, REFUSED) makes it inconclusive, so it never
// moves a state, whatever the other names said. `names` and `answers` pair up
// by position. The evidence's spf fields are not used (unknown).
mail_from_evidence evaluate_dkim(const std::vector<std::string>& names, const std::vector<txt_answer>& answers,
                                 std::string_view public_key);

// The selectors a DKIM state is stored for (its setting: the tokens, or the
// BYODKIM selector, space-separated), in order.
std::vector<std::string> dkim_setting_selectors(std::string_view setting);

// The p= tag of a DKIM key record (RFC 6376 3.6.1), whitespace removed; empty
// when the text is not a DKIM1 key record or has no p=.
std::string dkim_record_key(std::string_view text);

// SES's DkimAttributes.Status of a state from state_snapshot::dkim_state:
// "NOT_STARTED" for nullopt, else "PENDING", "SUCCESS", "TEMPORARY_FAILURE", "FAILED".
inline std::string_view dkim_status_text(const std::optional<verification_state>& state) {
  return state ? to_v2_string(state->status) : std::string_view("NOT_STARTED");
}

}  // namespace mfrelay::policy
