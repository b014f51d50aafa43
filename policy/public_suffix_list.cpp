#include "policy/public_suffix_list.hpp"

#include <array>

#include "policy/ascii.hpp"

namespace mfrelay::policy {
namespace {

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}


}  // namespace

public_suffix_list public_suffix_list::parse(std::string_view text, idna_to_ascii to_ascii) {
  public_suffix_list list;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    std::size_t space = line.find_first_of(" \t\r");
    std::string_view rule = line.substr(0, space);
    if (rule.empty() || rule.starts_with("//")) continue;
    kind k = kind::rule;
    if (rule.starts_with("!")) {
      k = kind::exception;
      rule.remove_prefix(1);
    } else if (rule.starts_with("*.")) {
      k = kind::wildcard;
      rule.remove_prefix(2);
    }
    if (rule.empty()) continue;
    std::string ascii;
    if (is_ascii(rule)) {
      ascii = ascii_lowered(rule);
    } else {
      if (!to_ascii) continue;
      idna_result converted = to_ascii(rule);
      if (converted.ascii.empty()) continue;
      ascii = ascii_lowered(converted.ascii);
    }
    std::uint8_t& kinds = list.kinds_[std::move(ascii)];
    if (!(kinds & k)) ++list.size_;
    kinds |= k;
  }
  return list;
}

std::string_view public_suffix_list::suffix_of(std::string_view name) const {
  // Where each suffix starts, the shortest first: "a.b.c" -> 4 ("c"), 2 ("b.c"), 0.
  // A name has at most 127 labels; past that (not a domain name) the longest
  // suffixes are not looked at.
  std::array<std::size_t, 128> starts{};
  std::size_t labels = 0;
  for (std::size_t i = name.size(); i > 0 && labels + 1 < starts.size(); --i) {
    if (name[i - 1] == '.') starts[labels++] = i;
  }
  starts[labels++] = 0;
  std::size_t best = 0;  // the implicit "*" rule: the last label
  for (std::size_t k = 0; k < labels; ++k) {  // k + 1 labels from the right
    auto found = kinds_.find(name.substr(starts[k]));
    if (found == kinds_.end()) continue;
    // An exception wins over everything: its suffix is the rule minus its leftmost label.
    if (found->second & kind::exception) return name.substr(starts[k - (k > 0 ? 1 : 0)]);
    if (found->second & kind::rule) best = k;
    // "*.ck" matches any one label left of "ck".
    if ((found->second & kind::wildcard) && k + 1 < labels) best = k + 1;
  }
  return name.substr(starts[best]);
}

std::string public_suffix_list::public_suffix(std::string_view name) const { return std::string(suffix_of(name)); }

std::optional<std::string> public_suffix_list::organizational_domain(std::string_view name) const {
  if (name.empty()) return std::nullopt;
  const std::string_view suffix = suffix_of(name);
  if (suffix.size() >= name.size()) return std::nullopt;
  // One more label to the left of the suffix (name ends with "." + suffix).
  std::string_view head = name.substr(0, name.size() - suffix.size() - 1);
  std::size_t dot = head.rfind('.');
  return std::string(name.substr(dot == std::string_view::npos ? 0 : dot + 1));
}

}  // namespace mfrelay::policy
