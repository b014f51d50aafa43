// The Public Suffix List (publicsuffix.org, Debian's `publicsuffix` package):
// which part of a name is a public suffix, hence its organizational domain
// (RFC 7489 3.2) for DMARC. Parsed once at start from text the relay read;
// immutable afterwards, so any thread may query it. The list file is trusted
// operator data, but names queried are untrusted.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "policy/domain_name.hpp"

namespace mfrelay::policy {

class public_suffix_list {
 public:
  // The .dat text: one rule a line ("co.uk", "*.ck", "!www.ck"), comments
  // after "//", a rule ends at the first whitespace. Both the ICANN and the
  // private sections count. Rules in U-labels are converted with `to_ascii`
  // (nullptr: such rules are skipped); a rule it refuses is skipped.
  static public_suffix_list parse(std::string_view text, idna_to_ascii to_ascii);

  // The public suffix of a normalized A-label name, by the list's algorithm:
  // an exception rule wins, else the matching rule with most labels, else "*"
  // (the last label). "www.ck" -> "ck", "a.b.ck" -> "b.ck", "x.co.uk" -> "co.uk".
  std::string public_suffix(std::string_view name) const;

  // The public suffix and one more label ("mail.example.co.uk" ->
  // "example.co.uk"); nullopt when the name is itself a public suffix.
  std::optional<std::string> organizational_domain(std::string_view name) const;

  std::size_t size() const { return size_; }

 private:
  // The public suffix as a part of `name`, allocating nothing.
  std::string_view suffix_of(std::string_view name) const;

  // What the list says of one name, in one entry: each suffix of a name is
  // then one lookup (by string_view, no copy), not one per kind of rule.
  enum kind : std::uint8_t { rule = 1, wildcard = 2, exception = 4 };  // "co.uk", "ck" for "*.ck", "www.ck" for "!www.ck"
  struct view_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint8_t, view_hash, std::equal_to<>> kinds_;
  std::size_t size_ = 0;  // rules of every kind
};

}  // namespace mfrelay::policy
