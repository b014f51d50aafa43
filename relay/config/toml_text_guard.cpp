#include "relay/config/toml_text_guard.hpp"

#include <algorithm>
#include <cstdint>

namespace mfrelay::relay {

namespace {

bool is_bare_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// What toml++ scans as one bare value (number, boolean, date) ends at these.
bool ends_bare_value(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ']' || c == '}' || c == ',' || c == '#';
}

// Follows TOML's structure just far enough to tell, at each octet, whether
// toml++ reads it inside a string or a comment (where it never asks whether a
// character is whitespace) or not. Where the text stops reading as TOML the
// rest is "tainted": toml++ stops there with its own error, and this model
// refuses every later non-ASCII octet, so a gap in the model can only refuse
// more text, never let more through.
class toml_text_scanner {
 public:
  explicit toml_text_scanner(std::string_view text) : t_(text) {}

  // The offset of the first octet toml++ must not be given (npos when none),
  // with the message for it.
  std::size_t run(std::string& why) {
    i_ = t_.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // toml++ skips a byte order mark
    while (i_ < t_.size() && refused_ == std::string_view::npos) step();
    if (refused_ != std::string_view::npos) why = why_;
    return refused_;
  }

 private:
  enum class expect { key, after_key, value, after_value, line_end };

  void refuse(std::size_t at, std::string why) {
    refused_ = at;
    why_ = std::move(why);
  }
  void taint() {
    if (tainted_ == std::string_view::npos) tainted_ = i_;
  }
  std::size_t run_of(std::size_t at, char c) const {
    std::size_t n = 0;
    while (at + n < t_.size() && t_[at + n] == c) ++n;
    return n;
  }
  bool in_array() const { return !nest_.empty() && nest_.back() == '['; }
  bool in_inline_table() const { return !nest_.empty() && nest_.back() == '{'; }
  // Where a line break or a comment may come.
  bool at_line_end() const {
    if (nest_.empty()) return (e_ == expect::key && line_start_) || e_ == expect::after_value || e_ == expect::line_end;
    return in_array() && (e_ == expect::value || e_ == expect::after_value);
  }

  void step() {
    const char c = t_[i_];
    if (static_cast<unsigned char>(c) >= 0x80) {
      if (tainted_ == std::string_view::npos) return refuse(i_, "outside a string or comment");
      const auto line = 1 + std::count(t_.begin(), t_.begin() + static_cast<std::ptrdiff_t>(tainted_), '\n');
      return refuse(i_, "after the TOML syntax error on line " + std::to_string(line));
    }
    if (tainted_ != std::string_view::npos) {
      ++i_;
      return;
    }
    if (c == '\r' && i_ + 1 < t_.size() && t_[i_ + 1] == '\n') {
      ++i_;  // CRLF: the LF decides
      return;
    }
    if (c == '\n') {
      if (!at_line_end()) return taint();
      if (nest_.empty()) {
        e_ = expect::key;
        line_start_ = true;
      }
      ++i_;
      return;
    }
    if (c == ' ' || c == '\t') {
      ++i_;
      return;
    }
    if (c == '#') {
      if (!at_line_end()) return taint();
      while (i_ < t_.size() && t_[i_] != '\n') ++i_;  // comments may hold anything
      return;
    }
    const bool was_line_start = line_start_;
    line_start_ = false;
    switch (e_) {
      case expect::key:
        if (c == '"' || c == '\'') {
          e_ = expect::after_key;
          return string();
        }
        if (is_bare_key_char(c)) {
          while (i_ < t_.size() && is_bare_key_char(t_[i_])) ++i_;
          e_ = expect::after_key;
          return;
        }
        if (c == '[' && nest_.empty() && was_line_start) {
          header_ = true;
          ++i_;
          header_array_ = i_ < t_.size() && t_[i_] == '[';
          if (header_array_) ++i_;
          return;
        }
        if (c == '}' && in_inline_table()) return close();  // {} (or a trailing comma toml++ refuses)
        return taint();
      case expect::after_key:
        if (c == '.') {
          e_ = expect::key;
        } else if (c == '=' && !header_) {
          e_ = expect::value;
        } else if (c == ']' && header_) {
          if (header_array_ && (i_ + 1 >= t_.size() || t_[i_ + 1] != ']')) return taint();
          if (header_array_) ++i_;
          header_ = false;
          e_ = expect::line_end;
        } else {
          return taint();
        }
        ++i_;
        return;
      case expect::value:
        if (c == '"' || c == '\'') {
          e_ = expect::after_value;
          return string();
        }
        if (c == '[' || c == '{') {
          nest_ += c;
          e_ = c == '[' ? expect::value : expect::key;
          ++i_;
          return;
        }
        if (c == ']' && in_array()) return close();  // [] or a trailing comma
        return bare_value();
      case expect::after_value:
        if (c == ',' && !nest_.empty()) {
          e_ = in_array() ? expect::value : expect::key;
          ++i_;
          return;
        }
        if ((c == ']' && in_array()) || (c == '}' && in_inline_table())) return close();
        // "1979-05-27 07:32:00": toml++ reads on past the space of a date.
        if (last_bare_length_ == 10 && i_ >= 1 && t_[i_ - 1] == ' ' && c >= '0' && c <= '9') return bare_value();
        return taint();
      case expect::line_end:
        return taint();
    }
  }

  void close() {
    nest_.pop_back();
    e_ = expect::after_value;
    ++i_;
  }

  void bare_value() {
    const std::size_t start = i_;
    while (i_ < t_.size() && !ends_bare_value(t_[i_])) {
      if (static_cast<unsigned char>(t_[i_]) >= 0x80) return refuse(i_, "outside a string or comment");
      ++i_;
    }
    last_bare_length_ = i_ - start;
    e_ = expect::after_value;
  }

  // At an opening quote: past the string, whatever kind it is.
  void string() {
    last_bare_length_ = 0;
    const char q = t_[i_];
    const std::size_t run = run_of(i_, q);
    if (run == 2) {  // ""
      i_ += 2;
      return;
    }
    if (run == 1) {
      for (++i_; i_ < t_.size() && t_[i_] != q; ++i_) {
        if (t_[i_] == '\n') return taint();  // unterminated: toml++ stops here
        if (q == '"' && t_[i_] == '\\' && i_ + 1 < t_.size() && t_[i_ + 1] != '\n') ++i_;  // \" does not end it
      }
      ++i_;
      return;
    }
    for (i_ += 3; i_ < t_.size();) {
      if (t_[i_] == q) {
        const std::size_t closing = run_of(i_, q);
        i_ += closing;
        if (closing >= 3) return;  // up to two more quotes are content
      } else if (q == '"' && t_[i_] == '\\') {
        // An escape, or a line-ending backslash after which toml++ skips
        // whitespace and line breaks, asking of each character.
        std::size_t j = i_ + 1;
        while (j < t_.size() && (t_[j] == ' ' || t_[j] == '\t' || t_[j] == '\r' || t_[j] == '\n')) ++j;
        if (j < t_.size() && static_cast<unsigned char>(t_[j]) >= 0x80) {
          return refuse(j, "after a backslash in a multi-line string");
        }
        i_ = j == i_ + 1 ? i_ + 2 : j;
      } else {
        ++i_;
      }
    }
  }

  std::string_view t_;
  std::size_t i_ = 0;
  expect e_ = expect::key;
  bool line_start_ = true;  // only blanks since the last line break, at the top level
  bool header_ = false;     // inside [table] or [[table]]
  bool header_array_ = false;
  std::string nest_;  // '[' arrays and '{' inline tables, innermost last
  std::size_t last_bare_length_ = 0;
  std::size_t tainted_ = std::string_view::npos;
  std::size_t refused_ = std::string_view::npos;
  std::string why_;
};

policy::origin position(std::string_view text, std::size_t offset, const std::string& file) {
  std::uint32_t line = 1, column = 1;  // toml++ counts columns in characters, after a byte order mark
  for (std::size_t k = text.starts_with("\xEF\xBB\xBF") ? 3 : 0; k < offset; ++k) {
    if (text[k] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[k]) & 0xc0) != 0x80) {
      ++column;
    }
  }
  return {file, line, column};
}

}  // namespace

bool toml_text_supported(std::string_view text, const std::string& file, std::vector<policy::config_error>& errors) {
  toml_text_scanner scanner(text);
  std::string why;
  const std::size_t at = scanner.run(why);
  if (at == std::string_view::npos) return true;
  errors.push_back({position(text, at, file), "a non-ASCII character " + why + " is not supported"});
  return false;
}

}  // namespace mfrelay::relay
