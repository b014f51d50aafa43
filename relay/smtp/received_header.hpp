// The one Received: trace header mfrelay puts on top of each message
// (RFC 5321 4.4, RFC 3848 protocol names). Pure, any thread: the date comes
// in as text. The HELO name and the recipient are client input.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/email_address.hpp"

namespace mfrelay::relay::smtp {

// RFC 3848: "SMTP" for HELO without TLS or AUTH, otherwise "ESMTP" plus "S"
// under TLS and "A" after SMTP AUTH (network-authenticated clients did no AUTH).
std::string with_protocol(bool esmtp, bool tls, bool smtp_auth);

struct received_fields {
  std::string_view helo;       // as the client gave it
  std::string_view client_ip;  // "192.0.2.1" or "2001:db8::1"
  std::string_view hostname;   // ours
  std::string_view protocol;   // with_protocol(...)
  std::string_view message_id;
  const std::vector<policy::email_address>* recipients = nullptr;  // "for <rcpt>" only when exactly one
  std::string_view date;       // RFC 5322 date-time, e.g. "Tue, 26 Nov 2024 08:03:00 +0000"
};

// "Received: from HELO ([IP]) by HOST (mfrelay) with PROTO id ID for <RCPT>; DATE\r\n",
// folded (CRLF TAB) so lines stay within 78 octets where words allow. Control
// characters and blanks in client text become '?' so it stays one word of one line.
std::string received_header(const received_fields& fields);

}  // namespace mfrelay::relay::smtp
