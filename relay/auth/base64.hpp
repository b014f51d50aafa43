// Base64 (RFC 4648) for AUTH payloads and password hashes. Decoding takes
// untrusted client input: it validates strictly and never over-reads. Any thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mfrelay::relay {

std::string base64_encode(std::string_view data);
// Strict: the standard alphabet, padding required to a multiple of 4, no
// whitespace. Nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view text);
// Lenient, as MIME bodies need (RFC 2045 6.8): characters outside the alphabet
// (line breaks, spaces, garbage) are skipped, the first '=' ends the data, and a
// last partial group yields what its bits hold. Never fails.
std::string base64_decode_lenient(std::string_view text);

// passlib's "adapted base64": '.' for '+', no padding (used in password hashes).
std::string ab64_encode(std::string_view data);
std::optional<std::string> ab64_decode(std::string_view text);

}  // namespace mfrelay::relay
