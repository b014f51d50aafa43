// The guard in front of toml++: refuses configuration text that toml++ 3.3
// cannot be given safely, before toml::parse sees it. Pure; any thread. Input:
// operator-written files, untrusted for syntax.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/origin.hpp"

namespace mfrelay::relay {

// Call before toml::parse: false, with an error at the character's
// line:col, when `text` holds what toml++ 3.3 cannot be given safely. Asked
// whether some non-ASCII characters (U+00A1..U+0499 among them) are whitespace,
// it reaches __builtin_unreachable: undefined behaviour (upstream issues #190,
// #295). It asks of every character outside strings and comments, where TOML
// allows no non-ASCII anyway, and after a backslash in a multi-line basic
// string, so those are refused, as is any non-ASCII character after a syntax
// error (toml++ would stop there; the check cannot follow further). Strings and
// comments may hold any UTF-8; a leading byte order mark stays allowed.
bool toml_text_supported(std::string_view text, const std::string& file, std::vector<policy::config_error>& errors);

}  // namespace mfrelay::relay
