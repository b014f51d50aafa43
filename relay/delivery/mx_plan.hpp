// Direct delivery's plan for one recipient domain, after RFC 5321 section 5: the
// MX hosts to try in order, or the verdict when DNS already decides (null MX,
// no such domain, resolver trouble). Pure: no I/O; randomness is injected. The
// MX delivery worker (mx_destination) calls it; the answers come from DNS
// servers on the network and are untrusted.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/answer_parse.hpp"
#include "policy/mail_from_check.hpp"
#include "relay/delivery/delivery_verdict.hpp"

namespace mfrelay::relay {

struct mx_host {
  std::string name;  // the exchange, without a trailing dot
  std::uint16_t preference = 0;
  friend bool operator==(const mx_host&, const mx_host&) = default;
};

struct mx_plan {
  std::vector<mx_host> hosts;              // most preferred first; empty exactly when `verdict` is set
  std::optional<delivery_verdict> verdict;  // for every recipient of the domain, without connecting
};

// Returns a number in [0, bound); bound > 0. Tests pass a scripted one.
using mx_random = std::function<std::uint64_t(std::uint64_t bound)>;

// `domain`: the recipient domain (A-label form). The rules:
//   - ok: by preference, lowest first; hosts of equal preference in random order
//     (RFC 5321 5.1 load spreading). A single record whose exchange is the root
//     ("." or empty) is a null MX (RFC 7505): bounce 5.1.10. A root exchange among
//     other records is skipped (nothing can be delivered there).
//   - nodata: the implicit MX, the domain itself (RFC 5321 5.1); but a CNAME
//     loop (answer.cname_loop) has no implicit MX: bounce 5.4.4.
//   - nxdomain: bounce 5.1.2 (no implicit MX either).
//   - servfail, refused, timeout, bad_response: defer 4.4.3.
mx_plan plan_mx(std::string_view domain, const policy::mx_answer& answer, const mx_random& random);

// The addresses of one MX host, in the order to try them: IPv6 first, then IPv4
// (both families are tried). `temporary` is set when a lookup failed for a reason
// other than "no such name / no such record", so that a host without addresses
// is a deferral rather than a dead end.
struct mx_addresses {
  std::vector<std::string> addresses;
  bool temporary = false;
};
mx_addresses order_addresses(const dns::address_answer& aaaa, const dns::address_answer& a);

}  // namespace mfrelay::relay
