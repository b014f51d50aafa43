// A DMARC policy record (RFC 7489 sections 6.3 and 6.4) as published in TXT at
// _dmarc.<domain>. The verdict (dmarc_verdict.hpp) reads it. Pure, any thread;
// the text comes from DNS answers and is untrusted.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mfrelay::policy {

enum class dmarc_policy { none, quarantine, reject };
std::string_view to_string(dmarc_policy p);  // "none", "quarantine", "reject"

enum class dmarc_alignment { relaxed, strict };
std::string_view to_string(dmarc_alignment a);  // "r", "s"

struct dmarc_record {
  dmarc_policy p = dmarc_policy::none;
  dmarc_policy sp = dmarc_policy::none;  // p when the record has no valid sp
  dmarc_alignment adkim = dmarc_alignment::relaxed;
  dmarc_alignment aspf = dmarc_alignment::relaxed;
  unsigned pct = 100;
  std::string text;  // the record as published (for reports; print it escaped)
};

// One TXT record's text (its strings joined). nullopt when it is not a usable
// DMARC record: v=DMARC1 not the first tag, or p (or sp) missing or invalid
// without a rua tag (with one, RFC 7489 6.6.3 says to act as if p=none).
// Tag names and keywords compare case-insensitively, whitespace around tags
// and '=' is ignored, unknown tags are ignored, and invalid adkim, aspf or pct
// values fall back to their defaults.
std::optional<dmarc_record> parse_dmarc_record(std::string_view text);

// The TXT records found at _dmarc.<domain>: records not starting with
// "v=DMARC1" are discarded; exactly one must remain (RFC 7489 6.6.3: none or
// several mean no DMARC policy), and it must parse.
std::optional<dmarc_record> select_dmarc_record(const std::vector<std::string>& texts);

}  // namespace mfrelay::policy
