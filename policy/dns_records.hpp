// The DNS records an operator must publish for an identity's custom MAIL FROM
// domain: one MX to the feedback host and the SPF TXT. Pure, any thread.
#pragma once
#include <string>
#include <vector>

#include "policy/identity.hpp"

namespace mfrelay::policy {

struct dns_record {
  std::string name;   // owner name, no trailing dot
  std::string type;   // "MX" or "TXT"
  std::string value;  // "10 feedback-smtp.us-west-2.amazonses.com" / "\"v=spf1 ...\""
};

// Empty when the identity has no custom MAIL FROM domain.
std::vector<dns_record> required_records(const identity& id, std::string_view feedback_host,
                                         std::string_view spf_include);

}  // namespace mfrelay::policy
