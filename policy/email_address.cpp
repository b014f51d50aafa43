#include "policy/email_address.hpp"

#include "policy/domain_name.hpp"
#include "policy/ip_network.hpp"

namespace mfrelay::policy {
namespace {

// RFC 5322 atext, plus any octet >= 0x80 (RFC 6531 UTF-8).
bool is_atext(unsigned char c) {
  if (c >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '/': case '=': case '?': case '^': case '_': case '`': case '{':
    case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

bool is_dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_atext(static_cast<unsigned char>(c))) {
      return false;
    }
    prev = c;
  }
  return true;
}

// A quoted string: printable ASCII (or UTF-8) with backslash escapes, no CR/LF/NUL.
// At least one character: `""@example.com` names no mailbox.
bool is_quoted_string(std::string_view s) {
  if (s.size() < 3 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (++i + 1 >= s.size()) return false;
      c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 && c != '\t') return false;
      continue;
    }
    if (c == '"' || c == '\r' || c == '\n' || c == 0 || (c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// RFC 5321 4.1.3: "[192.0.2.1]" or "[IPv6:2001:db8::1]" (the tag is case-insensitive).
bool is_address_literal(std::string_view s) {
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
  std::string_view inner = s.substr(1, s.size() - 2);
  if (inner.find(':') == std::string_view::npos) return parse_ip_address(inner).has_value();
  if (inner.size() < 5 || normalize_domain(inner.substr(0, 5)) != "ipv6:") return false;
  inner.remove_prefix(5);
  return inner.find(':') != std::string_view::npos && parse_ip_address(inner).has_value();
}

}  // namespace

std::optional<email_address> parse_email_address(std::string_view text) {
  if (text.empty() || text.size() > 320) return std::nullopt;
  std::size_t at;
  if (text.front() == '"') {
    // The local part ends at the closing quote; '@' may appear inside it.
    std::size_t i = 1;
    for (; i < text.size(); ++i) {
      if (text[i] == '\\') { ++i; continue; }
      if (text[i] == '"') break;
    }
    if (i + 1 >= text.size() || text[i + 1] != '@') return std::nullopt;
    at = i + 1;
  } else {
    at = text.rfind('@');
    if (at == std::string_view::npos) return std::nullopt;
  }
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  if (local.empty() || local.size() > 64) return std::nullopt;
  if (!is_dot_atom(local) && !is_quoted_string(local)) return std::nullopt;
  if (domain.empty()) return std::nullopt;
  if (is_address_literal(domain)) return email_address{std::string(local), std::string(domain)};
  std::string normalized = normalize_domain(domain);
  if (!is_valid_hostname(normalized)) return std::nullopt;
  return email_address{std::string(local), std::move(normalized)};
}

}  // namespace mfrelay::policy
