// What a DNS check of a custom MAIL FROM domain concludes: exactly one MX whose
// exchange is the feedback host passes; NXDOMAIN, no MX, several MX or another
// host fails; resolver trouble is inconclusive. The SPF TXT record is judged
// and reported separately; it never moves the state. Pure, any thread. The
// answers come from DNS servers on the network and are untrusted.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/verification.hpp"

namespace mfrelay::policy {

// The closed set of lookup outcomes (Postfix's dns_lookup.c has the same idea).
enum class dns_outcome { ok, nxdomain, nodata, servfail, refused, timeout, bad_response };
std::string_view to_string(dns_outcome outcome);  // "ok", "nxdomain", ..., "bad_response"

struct mx_record {
  std::uint16_t preference = 0;
  std::string exchange;
  friend bool operator==(const mx_record&, const mx_record&) = default;
};

struct mx_answer {
  dns_outcome outcome = dns_outcome::timeout;
  std::vector<mx_record> records;
  // With nodata: the name's CNAME chain in the answer leads back to itself
  // (a.example CNAME b.example, b.example CNAME a.example), so no record of any
  // type can ever be found there. An authoritative server answers so; a
  // recursive one usually says SERVFAIL instead (then outcome is servfail).
  bool cname_loop = false;
};

struct txt_answer {
  dns_outcome outcome = dns_outcome::timeout;
  std::vector<std::string> texts;  // each TXT record's strings joined
  // With nodata: the name the answer's CNAME chain ends at, when the server
  // did not follow it there (an authoritative server whose zone the target
  // is not in). Empty otherwise, and when the chain loops.
  std::string cname{};
};

enum class spf_status { ok, missing, wrong, unknown };
std::string_view to_string(spf_status status);  // "ok", "missing", "wrong", "unknown"

struct mail_from_evidence {
  check_result result = check_result::inconclusive;
  std::string reason;  // "exactly one MX: 10 feedback-smtp.us-west-2.amazonses.com", "NXDOMAIN", ...
  spf_status spf = spf_status::unknown;
  std::string spf_reason;
};

mail_from_evidence evaluate_mail_from(const mx_answer& mx, const txt_answer& txt, std::string_view expected_exchange,
                                      std::string_view spf_include);

// "10 feedback-smtp.us-west-2.amazonses.com, 20 other.example" for events and status.
std::string describe(const std::vector<mx_record>& records);

// DNS text as it may be shown and logged: printable ASCII kept, every other
// octet (control characters, bytes of any 8-bit encoding) written as \xNN,
// so an answer can never inject lines or invalid UTF-8 into events.
std::string printable(std::string_view text);

}  // namespace mfrelay::policy
