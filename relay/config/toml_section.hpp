// Typed, position-aware reading of one TOML table for the configuration
// loaders: every value error and every unknown key becomes a config_error at
// the key's `file:line:col`. Used only while loading configuration (one thread).
// Input: operator-written files, untrusted for syntax.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#define TOML_EXCEPTIONS 0
// toml++ 3.3 asserts parser preconditions that malformed text can break ("[\n",
// "[[[1]]]": upstream PR #301); without NDEBUG that aborts the process instead
// of reporting a parse error. The code after each assertion handles the case
// (release builds rely on it), so its assertions stay off in every build. This
// header is the project's only way into toml++, so every user sees the same.
#define TOML_ASSERT(expr) static_cast<void>(0)
#include <toml++/toml.h>

#include "policy/host_port.hpp"
#include "policy/origin.hpp"
#include "policy/time.hpp"

namespace mfrelay::relay {

policy::origin to_origin(const toml::source_region& region, const std::string& file);

class toml_section {
 public:
  // `label` names the table in messages: "[relay]", "[[listener]]".
  toml_section(const toml::table& table, std::string label, const std::string& file,
               std::vector<policy::config_error>& errors);

  policy::origin where() const;                       // the table itself
  policy::origin where(std::string_view key) const;   // the key, or the table when absent
  bool has(std::string_view key) const { return table_.contains(key); }
  void error(std::string_view key, const std::string& message);

  // Each reader leaves `out` alone when the key is absent or its value is wrong
  // (and then records an error). `required` makes absence an error too.
  // `check` returns why a value is wrong, or "" when it is fine.
  using string_check = std::string (*)(std::string_view);
  void read(std::string_view key, std::string& out, string_check check = nullptr, bool required = false);
  void read(std::string_view key, bool& out);
  void read(std::string_view key, std::uint32_t& out, std::uint32_t min = 1);
  void read(std::string_view key, std::uint64_t& out, std::uint64_t min = 1);
  void read(std::string_view key, policy::duration& out);
  void read(std::string_view key, policy::host_port& out, bool allow_zero = false, bool required = false);
  void read(std::string_view key, std::vector<std::string>& out);
  void read(std::string_view key, std::vector<policy::duration>& out);

  template <class E>
  void read_choice(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> choices) {
    std::string text;
    if (!read_text(key, text)) return;
    std::string allowed;
    for (const auto& [name, value] : choices) {
      if (name == text) {
        out = value;
        return;
      }
      allowed += (allowed.empty() ? "\"" : ", \"") + std::string(name) + '"';
    }
    error(key, "must be one of " + allowed + ", not \"" + text + '"');
  }

  // A sub-table, or nullptr (with an error when the key holds something else).
  const toml::table* table(std::string_view key);
  // An array of tables ([[name]]), or nullptr.
  const toml::array* tables(std::string_view key);

  // Reports every key no reader asked about: a typo must not pass silently.
  void finish();

 private:
  const toml::node* get(std::string_view key);
  // read() of a string that must then be parsed: true when one was read, even
  // an empty one ("" is a wrong value, not an absent key).
  bool read_text(std::string_view key, std::string& out, bool required = false);
  void type_error(std::string_view key, std::string_view expected);

  const toml::table& table_;
  std::string label_;
  const std::string& file_;
  std::vector<policy::config_error>& errors_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace mfrelay::relay
