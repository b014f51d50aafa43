#include "policy/utf8.hpp"

namespace mfrelay::policy {

std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;  // continuation octets
  char32_t cp = 0;
  if (c < 0x80) {
    ++i;
    return c;
  } else if (c >= 0xc2 && c <= 0xdf) {
    n = 1, cp = c & 0x1fu;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 2, cp = c & 0x0fu;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 3, cp = c & 0x07u;
  } else {
    return std::nullopt;
  }
  if (s.size() - i <= n) return std::nullopt;
  for (std::size_t k = 1; k <= n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return std::nullopt;
    cp = cp << 6 | (d & 0x3fu);
  }
  if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
    return std::nullopt;
  i += n + 1;
  return cp;
}

bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (!next_code_point(text, i)) return false;
  }
  return true;
}

}  // namespace mfrelay::policy
