// Where each recipient of a message goes: [[route]] and [delivery] mode pick, per
// recipient domain, direct delivery to that domain's MX hosts or a smarthost.
// Recipients that share a destination share a transaction. Pure (apart from
// libidn2's tables), any thread; the queue's strand calls it. Recipient
// addresses come from SMTP clients and are untrusted.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "policy/config.hpp"

namespace mfrelay::relay {

struct delivery_destination {
  std::string key;    // unique per destination: "mx:example.org", "smarthost:ses"
  std::string label;  // for logs, metrics and `mfrelay queue`: "example.org", "ses", "127.0.0.1:10026"
  bool mx = false;
  std::string domain;                   // mx: the recipient domain, A-label, lower case
  policy::smarthost_settings smarthost;  // !mx: the smarthost
  bool require_tls = false;
  std::size_t connections = 1;  // sessions at once to this destination
};

struct destination_group {
  delivery_destination destination;
  std::vector<std::string> recipients;  // in the message's order
};

// The domain part of `address`, lower case and in A-label form ("" when there is
// none or IDNA refuses it, an address literal too: such a recipient goes to the
// "*" route or [delivery] mode; direct delivery bounces it with 5.1.2).
std::string recipient_domain(const std::string& address);

// The destination for a recipient domain under `delivery`'s routes.
delivery_destination destination_for(const std::string& domain, const policy::delivery_settings& delivery);

// The recipients grouped by destination, groups in order of first appearance.
std::vector<destination_group> group_by_destination(const std::vector<std::string>& recipients,
                                                    const policy::delivery_settings& delivery);

}  // namespace mfrelay::relay
