// ASCII case folding for protocol words, header names, domain names and hosts,
// which compare case-insensitively in ASCII only (never by locale), and ASCII
// white space. Pure and constexpr; any thread; any layer may use it (policy/ is
// below them all).
#pragma once
#include <string>
#include <string_view>

namespace mfrelay::policy {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

constexpr bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// `s` without the spaces, tabs, CRs and LFs at either end.
constexpr std::string_view ascii_trim(std::string_view s) {
  while (!s.empty() && ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

constexpr bool ascii_istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && ascii_iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace mfrelay::policy
