// Email addresses (RFC 5321 Mailbox / RFC 5322 addr-spec, without angle brackets).
// Pure, any thread. Parses untrusted text from SMTP clients and message headers.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mfrelay::policy {

struct email_address {
  std::string local;   // as written (case kept: local parts are case-sensitive)
  std::string domain;  // normalized: lower case, no trailing dot

  std::string str() const { return local + '@' + domain; }
  friend bool operator==(const email_address&, const email_address&) = default;
};

// "local@domain" where local is a dot-atom or a quoted string (UTF-8 allowed,
// RFC 6531) and domain is a hostname or an address literal ("[192.0.2.1]").
// Returns nullopt for anything else, including source routes and an empty local part.
std::optional<email_address> parse_email_address(std::string_view text);

}  // namespace mfrelay::policy
