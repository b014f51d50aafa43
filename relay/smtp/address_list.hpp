// RFC 5322 address lists (From:, To:): display names, quoted strings,
// comments, angle-addr, groups. Pure, any thread. The text is the unfolded
// body of a header field from an untrusted message.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/email_address.hpp"

namespace mfrelay::relay::smtp {

struct address_list_result {
  std::vector<policy::email_address> mailboxes;  // in order; the members of groups included
  std::string error;                             // empty when the whole list parsed
  bool ok() const { return error.empty(); }
};

// Every mailbox must parse with policy::check_email_address (U-label domains
// through libidn2). Refused: route addresses ("<@a:u@b>"), nested groups,
// unbalanced quotes, comments or brackets, words without '@' ("John Doe"
// alone), anything left over, and - unless `smtputf8` (the message came with
// SMTPUTF8, RFC 6532) - addresses with non-ASCII characters (display names may
// still hold them). Empty list elements (", ,", allowed by RFC 5322's obsolete
// syntax) are skipped. `error` says what is wrong in words a client can act on.
address_list_result parse_address_list(std::string_view text, bool smtputf8 = true);

}  // namespace mfrelay::relay::smtp
