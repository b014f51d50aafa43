// The wall clock in policy's time type (policy/ never reads a clock itself),
// and timestamps for events and APIs: ISO 8601 UTC with milliseconds,
// "2026-11-26T07:38:29.123Z". Any thread.
#pragma once
#include <string>

#include "policy/time.hpp"

namespace mfrelay::relay {

std::string iso8601(policy::timestamp t);

// RFC 5322 date-time in UTC, for trace headers: "Thu, 26 Nov 2026 07:38:29 +0000".
std::string rfc5322_date(policy::timestamp t);

policy::timestamp now();

}  // namespace mfrelay::relay
