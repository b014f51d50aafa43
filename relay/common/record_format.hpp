// Renders the DNS records an operator must publish, for `mfrelay records` and
// the admin API: an aligned table, CSV (RFC 4180, like SES's "Download .csv
// record set"), zone-file lines, or JSON. Any thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/dns_records.hpp"

namespace mfrelay::relay {

enum class record_format { table, csv, zone, json };
std::optional<record_format> parse_record_format(std::string_view text);

std::string format_records(const std::vector<policy::dns_record>& records, record_format format);

}  // namespace mfrelay::relay
