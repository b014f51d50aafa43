// Email addresses (RFC 5321 Mailbox / RFC 5322 addr-spec, without angle brackets).
// Pure, any thread. Parses untrusted text from SMTP clients and message headers.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "policy/domain_name.hpp"

namespace mfrelay::policy {

struct email_address {
  std::string local;         // as written (case kept: local parts are case-sensitive)
  std::string domain;        // ASCII letters lower-cased, no trailing dot; U-labels as written
  std::string ascii_domain = {};  // the domain's A-label form when it holds U-labels; empty otherwise

  // As the client wrote it (domain case aside): for delivery, events, replies.
  std::string str() const { return local + '@' + domain; }
  // The one form identities are matched on: the canonical local part and the
  // A-label domain. `"bill\ing"@Dést.test` -> `billing@xn--dst-bma.test`.
  std::string canonical() const;
  friend bool operator==(const email_address&, const email_address&) = default;
};

// The local part as identities compare it. RFC 5322 3.4.1: a quoted string
// and the dot-atom it spells are the same local part, and a quoted pair is the
// character it escapes. So a quoted local part whose content is a dot-atom
// loses its quotes (`"billing"` and `"bill\ing"` -> `billing`); one that needs
// them keeps them, with only '"' and '\' escaped (`"a\ b"` -> `"a b"`).
// Case is kept: local parts are case-sensitive (RFC 5321 2.4).
std::string canonical_local_part(std::string_view local);

struct email_address_result {
  std::optional<email_address> value;
  std::string error;  // why it is not a mailbox, for replies and error messages
};

// "local@domain" where local is a dot-atom or a quoted string (UTF-8 allowed,
// RFC 6531) and domain is a hostname or an address literal ("[192.0.2.1]").
// A domain holding U-labels needs `to_ascii` (relay/ passes libidn2's) and
// gets its A-label form in ascii_domain; without it such a domain is refused.
// Refused with a reason: source routes, an empty or over-long local part (64
// octets), an over-long address (320 octets), anything else that is no mailbox.
email_address_result check_email_address(std::string_view text, idna_to_ascii to_ascii = nullptr);
inline std::optional<email_address> parse_email_address(std::string_view text, idna_to_ascii to_ascii = nullptr) {
  return check_email_address(text, to_ascii).value;
}

}  // namespace mfrelay::policy
