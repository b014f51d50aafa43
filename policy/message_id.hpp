// Message ids in SES's shape: 16 hex digits that order by time, a UUID-like
// random part, and "-000000":
//   010001931102a178-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718-000000
// The id is also the local part of the rewritten envelope sender.
// Pure: the caller supplies the time and the random bits. Any thread.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/time.hpp"

namespace mfrelay::policy {

// `random` must be 16 fresh random octets (or a counter mixed with them).
std::string make_message_id(timestamp now, const std::array<std::uint8_t, 16>& random);

// True for strings make_message_id can produce (safe to use as a file name).
bool is_message_id(std::string_view text);

// "<id>@<domain>": the envelope sender mfrelay gives a message.
std::string return_path(std::string_view message_id, std::string_view domain);

}  // namespace mfrelay::policy
