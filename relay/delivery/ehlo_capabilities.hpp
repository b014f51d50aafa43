// The ESMTP extensions an upstream server announced in its EHLO reply, as far as
// the delivery client uses them. Pure, any thread. The reply is untrusted: unknown
// keywords are ignored, a malformed SIZE value counts as "no limit announced".
#pragma once
#include <cstdint>

#include "relay/delivery/upstream_reply.hpp"

namespace mfrelay::relay {

struct ehlo_capabilities {
  bool pipelining = false;       // RFC 2920
  bool starttls = false;         // RFC 3207
  bool eight_bit_mime = false;   // RFC 6152
  bool smtputf8 = false;         // RFC 6531
  bool size = false;             // RFC 1870: SIZE announced
  std::uint64_t size_limit = 0;  // its value; 0 = no fixed limit
  bool auth_plain = false;       // RFC 4954 AUTH with the PLAIN mechanism (RFC 4616)
  bool auth_login = false;       // ... with LOGIN (draft-murchison-sasl-login)

  friend bool operator==(const ehlo_capabilities&, const ehlo_capabilities&) = default;
};

// Keywords are case-insensitive; the first line is the server's greeting and skipped.
ehlo_capabilities parse_ehlo(const upstream_reply& reply);

}  // namespace mfrelay::relay
