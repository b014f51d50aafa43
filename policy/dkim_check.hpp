// What a DNS check of an identity's Easy DKIM records concludes: the TXT
// answers of its three <token>._domainkey.<domain> names (CNAMEs followed by
// the resolver) against the public key mfrelay signs with. Pure, any thread.
// The answers come from DNS servers on the network and are untrusted.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/mail_from_check.hpp"

namespace mfrelay::policy {

// SES's rule, kept: all three names must carry our key. A name that is gone
// (NXDOMAIN, no TXT) or carries another key fails the check; resolver trouble
// on any name (timeout, SERVFAIL, REFUSED) makes it inconclusive, so it never
// moves a state, whatever the other names said. `names` and `answers` pair up
// by position. The evidence's spf fields are not used (unknown).
mail_from_evidence evaluate_dkim(const std::vector<std::string>& names, const std::vector<txt_answer>& answers,
                                 std::string_view public_key);

// The p= tag of a DKIM key record (RFC 6376 3.6.1), whitespace removed; empty
// when the text is not a DKIM1 key record or has no p=.
std::string dkim_record_key(std::string_view text);

}  // namespace mfrelay::policy
