#include "relay/smtp/address_list.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "relay/common/idna.hpp"

namespace mfrelay::relay::smtp {
namespace {

enum class token_kind { word, quoted, literal, special };

struct token {
  token_kind kind;
  std::string_view text;  // as written; quoted strings and [literals] with their delimiters
};

bool is_atext(unsigned char c) {
  if (c >= 0x80) return true;  // RFC 6532: UTF-8 in headers
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

// Splits into words, quoted strings, domain literals and specials; drops
// whitespace and (nested) comments. Nullopt with `error` set on malformed text.
std::optional<std::vector<token>> tokenize(std::string_view s, std::string& error) {
  std::vector<token> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '(') {
      int depth = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '\\') {
          ++i;
        } else if (s[i] == '(') {
          ++depth;
        } else if (s[i] == ')' && --depth == 0) {
          break;
        }
      }
      if (i >= s.size()) {
        error = "unterminated comment";
        return std::nullopt;
      }
      ++i;
    } else if (c == '"' || c == '[') {
      const char close = c == '"' ? '"' : ']';
      std::size_t j = i + 1;
      for (; j < s.size() && s[j] != close; ++j) {
        if (s[j] == '\\') ++j;
        if (c == '[' && j < s.size() && s[j] == '[') break;
      }
      if (j >= s.size() || s[j] != close) {
        error = c == '"' ? "unterminated quoted string" : "unterminated domain literal";
        return std::nullopt;
      }
      tokens.push_back({c == '"' ? token_kind::quoted : token_kind::literal, s.substr(i, j + 1 - i)});
      i = j + 1;
    } else if (c == '<' || c == '>' || c == '@' || c == ',' || c == ':' || c == ';' || c == '.') {
      tokens.push_back({token_kind::special, s.substr(i, 1)});
      ++i;
    } else if (is_atext(c)) {
      std::size_t j = i;
      while (j < s.size() && is_atext(static_cast<unsigned char>(s[j]))) ++j;
      tokens.push_back({token_kind::word, s.substr(i, j - i)});
      i = j;
    } else {
      error = "unexpected character";
      return std::nullopt;
    }
  }
  return tokens;
}

class parser {
 public:
  parser(const std::vector<token>& tokens, bool smtputf8) : t_(tokens), smtputf8_(smtputf8) {}

  address_list_result run() {
    while (pos_ < t_.size() && result_.ok()) {
      if (is_special(",")) {
        ++pos_;
        continue;
      }
      address(false);
      if (result_.ok() && pos_ < t_.size() && !is_special(",")) fail("expected ',' between addresses");
    }
    if (!result_.ok()) result_.mailboxes.clear();
    return std::move(result_);
  }

 private:
  bool is_special(std::string_view s) const {
    return pos_ < t_.size() && t_[pos_].kind == token_kind::special && t_[pos_].text == s;
  }
  bool is_word() const {
    return pos_ < t_.size() && (t_[pos_].kind == token_kind::word || t_[pos_].kind == token_kind::quoted);
  }
  void fail(std::string why) {
    if (result_.ok()) result_.error = std::move(why);
  }

  // mailbox / group
  void address(bool in_group) {
    const std::size_t start = pos_;
    while (is_word() || is_special(".")) ++pos_;  // a phrase, or the local part of an addr-spec
    if (is_special("<")) {
      ++pos_;
      angle_addr();
    } else if (is_special("@")) {
      pos_ = start;
      addr_spec(true);
    } else if (is_special(":") && pos_ > start) {
      if (in_group) return fail("nested group");
      ++pos_;
      while (result_.ok() && !is_special(";")) {
        if (pos_ >= t_.size()) return fail("group without ';'");
        if (is_special(",")) {
          ++pos_;
          continue;
        }
        address(true);
        if (result_.ok() && !is_special(",") && !is_special(";")) fail("expected ',' or ';' in group");
      }
      ++pos_;
    } else {
      fail(pos_ > start ? "a name without an address" : "expected an address");
    }
  }

  void angle_addr() {
    if (is_special("@")) return fail("source routes (<@relay:user@domain>) are not accepted");
    addr_spec(false);
    if (!result_.ok()) return;
    if (!is_special(">")) return fail("expected '>'");
    ++pos_;
  }

  // local-part "@" domain: words and quoted strings joined by dots, then a
  // dot-atom or a domain literal. Whitespace and comments between the pieces
  // (obsolete syntax) are dropped, as the tokenizer already did.
  void addr_spec(bool bare) {
    std::string text;
    bool expect_word = true;
    while (true) {
      if (expect_word && is_word()) {
        text += t_[pos_++].text;
      } else if (!expect_word && is_special(".")) {
        text += '.';
        ++pos_;
      } else {
        break;
      }
      expect_word = !expect_word;
    }
    if (!is_special("@")) return fail(bare ? "a name without an address" : "expected '@'");
    text += '@';
    ++pos_;
    if (pos_ < t_.size() && t_[pos_].kind == token_kind::literal) {
      text += t_[pos_++].text;
    } else {
      expect_word = true;
      while (true) {
        if (expect_word && pos_ < t_.size() && t_[pos_].kind == token_kind::word) {
          text += t_[pos_++].text;
        } else if (!expect_word && is_special(".")) {
          text += '.';
          ++pos_;
        } else {
          break;
        }
        expect_word = !expect_word;
      }
    }
    const bool ascii =
        std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!smtputf8_ && !ascii) {
      return fail("'" + bounded(text) + "' holds non-ASCII characters, which need SMTPUTF8 (RFC 6532)");
    }
    policy::email_address_result parsed = policy::check_email_address(text, &idna_to_ascii);
    if (!parsed.value) return fail("'" + bounded(text) + "': " + parsed.error);
    result_.mailboxes.push_back(std::move(*parsed.value));
  }

  // An address quoted in an error: enough to recognise it, not a reply-sized echo.
  static std::string bounded(const std::string& text) {
    if (text.size() <= 80) return text;
    std::size_t n = 60;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;  // keep UTF-8 whole
    return text.substr(0, n) + "...";
  }

  const std::vector<token>& t_;
  bool smtputf8_;
  std::size_t pos_ = 0;
  address_list_result result_;
};

}  // namespace

address_list_result parse_address_list(std::string_view text, bool smtputf8) {
  address_list_result result;
  std::optional<std::vector<token>> tokens = tokenize(text, result.error);
  if (!tokens) return result;
  return parser(*tokens, smtputf8).run();
}

}  // namespace mfrelay::relay::smtp
