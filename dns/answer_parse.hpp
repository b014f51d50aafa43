// Turns raw DNS answers (the wire bytes c-ares hands to a query callback) into
// policy's typed answers. No I/O, any thread. The bytes come from the network
// and are untrusted: malformed answers become dns_outcome::bad_response.
#pragma once
#include <span>
#include <string>
#include <vector>

#include "policy/mail_from_check.hpp"

namespace mfrelay::dns {

struct address_answer {
  policy::dns_outcome outcome = policy::dns_outcome::timeout;
  std::vector<std::string> addresses;  // textual IPv4 / IPv6
};

// The c-ares status of a finished query (ARES_SUCCESS, ARES_ENOTFOUND, ...),
// as one of policy's closed set of outcomes.
policy::dns_outcome outcome_of_status(int ares_status);

// An MX answer with no MX records whose CNAME chain loops has cname_loop set.
policy::mx_answer parse_mx_answer(std::span<const unsigned char> answer);

// Whether the answer section's CNAME records, followed from the question's name,
// come back to a name already seen. False for anything malformed.
bool cname_chain_loops(std::span<const unsigned char> answer);
// Where the answer section's CNAME chain from the question's name ends; empty
// without CNAMEs, when it loops, or for anything malformed.
std::string cname_chain_end(std::span<const unsigned char> answer);
// A TXT answer without TXT records but with a CNAME chain has cname set to its end.
policy::txt_answer parse_txt_answer(std::span<const unsigned char> answer);
address_answer parse_a_answer(std::span<const unsigned char> answer);
address_answer parse_aaaa_answer(std::span<const unsigned char> answer);

}  // namespace mfrelay::dns
