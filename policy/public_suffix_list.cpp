#include "policy/public_suffix_list.hpp"

#include <vector>

#include "policy/ascii.hpp"

namespace mfrelay::policy {
namespace {

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// The starting offsets of every suffix of `name`: "a.b.c" -> 0 ("a.b.c"), 2 ("b.c"), 4 ("c").
std::vector<std::size_t> suffix_starts(std::string_view name) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '.') starts.push_back(i + 1);
  }
  return starts;
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
    auto* target = &list.rules_;
    if (rule.starts_with("!")) {
      target = &list.exceptions_;
      rule.remove_prefix(1);
    } else if (rule.starts_with("*.")) {
      target = &list.wildcards_;
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
    target->insert(std::move(ascii));
  }
  return list;
}

std::string public_suffix_list::public_suffix(std::string_view name) const {
  const std::vector<std::size_t> starts = suffix_starts(name);
  const std::size_t labels = starts.size();
  std::size_t best = 1;  // the implicit "*" rule: the last label
  std::string key;
  for (std::size_t k = 1; k <= labels; ++k) {  // k labels from the right
    key.assign(name.substr(starts[labels - k]));
    if (exceptions_.contains(key)) {
      // An exception wins over everything: its suffix is the rule minus its leftmost label.
      return std::string(name.substr(starts[labels - k + 1]));
    }
    if (rules_.contains(key)) best = k;
    if (k >= 2 && wildcards_.contains(std::string(name.substr(starts[labels - k + 1])))) best = k;
  }
  return std::string(name.substr(starts[labels - best]));
}

std::optional<std::string> public_suffix_list::organizational_domain(std::string_view name) const {
  if (name.empty()) return std::nullopt;
  const std::string suffix = public_suffix(name);
  if (suffix.size() >= name.size()) return std::nullopt;
  // One more label to the left of the suffix (name ends with "." + suffix).
  std::string_view head = name.substr(0, name.size() - suffix.size() - 1);
  std::size_t dot = head.rfind('.');
  return std::string(name.substr(dot == std::string_view::npos ? 0 : dot + 1));
}

}  // namespace mfrelay::policy
