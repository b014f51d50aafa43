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

std::string canonical_local_part(std::string_view local) {
  if (local.size() < 2 || local.front() != '"' || local.back() != '"') return std::string(local);
  std::string content;
  for (std::size_t i = 1; i + 1 < local.size(); ++i) {
    if (local[i] == '\\' && i + 2 < local.size()) ++i;
    content += local[i];
  }
  if (is_dot_atom(content)) return content;
  std::string quoted = "\"";
  for (char c : content) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + '"';
}

std::string email_address::canonical() const {
  return canonical_local_part(local) + '@' + (ascii_domain.empty() ? domain : ascii_domain);
}

email_address_result check_email_address(std::string_view text, idna_to_ascii to_ascii) {
  auto refuse = [](std::string why) { return email_address_result{std::nullopt, std::move(why)}; };
  if (text.empty()) return refuse("it is empty");
  if (text.front() == '@' && text.find(':') != std::string_view::npos)
    return refuse("source routes (\"@relay:user@domain\") are not accepted");
  std::size_t at;
  if (text.front() == '"') {
    // The local part ends at the closing quote; '@' may appear inside it.
    std::size_t i = 1;
    for (; i < text.size(); ++i) {
      if (text[i] == '\\') { ++i; continue; }
      if (text[i] == '"') break;
    }
    if (i >= text.size()) return refuse("its quoted local part has no closing '\"'");
    if (i + 1 >= text.size() || text[i + 1] != '@') return refuse("its quoted local part is not followed by '@'");
    at = i + 1;
  } else {
    at = text.rfind('@');
    if (at == std::string_view::npos) return refuse("it has no '@'");
  }
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  if (local.empty()) return refuse("its local part is empty");
  // RFC 5321 4.5.3.1.1: 64 octets; a longer one is a mistake or an attack.
  if (local.size() > 64)
    return refuse("its local part is " + std::to_string(local.size()) + " octets long, more than 64");
  if (text.size() > 320) return refuse("it is " + std::to_string(text.size()) + " octets long, more than 320");
  if (!is_dot_atom(local) && !is_quoted_string(local))
    return refuse("its local part '" + std::string(local) + "' is neither a dot-atom nor a quoted string");
  if (domain.empty()) return refuse("its domain is empty");
  if (domain.size() > 255)
    return refuse("its domain is " + std::to_string(domain.size()) + " octets long, more than 255");
  if (domain.front() == '[') {
    if (!is_address_literal(domain))
      return refuse("its domain '" + std::string(domain) + "' is not an address literal");
    return {email_address{std::string(local), std::string(domain), {}}, {}};
  }
  domain_forms forms = parse_domain(domain, to_ascii);
  if (!forms.error.empty()) return refuse("its domain '" + std::string(domain) + "' is not valid: " + forms.error);
  email_address out{std::string(local), std::move(forms.written), {}};
  if (forms.ascii != out.domain) out.ascii_domain = std::move(forms.ascii);
  return {std::move(out), {}};
}

}  // namespace mfrelay::policy
