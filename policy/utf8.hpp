// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF), one code point at a time. Pure; any thread; any layer. The text is
// untrusted (SMTP addresses, headers, API parameters, configuration).
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>

namespace mfrelay::policy {

// The code point that starts at `i`, with `i` moved past it; nullopt (and `i`
// left alone) when the octets there are not well-formed UTF-8.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& i);

// True when all of `text` is well-formed UTF-8.
bool is_utf8(std::string_view text);

}  // namespace mfrelay::policy
