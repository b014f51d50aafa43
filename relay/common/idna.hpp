// IDNA2008 (RFC 5891, with UTS #46 mapping) through libidn2: the A-label form of
// a domain written with U-labels. The relay's edges (SMTP parsing, config
// loading, the CLI) pass it to policy/, which does no IDNA itself. The input is
// untrusted text (SMTP clients, message headers, configuration files).
#pragma once
#include <string_view>

#include "policy/domain_name.hpp"

namespace mfrelay::relay {

// "Dést.test" -> {"xn--dst-bma.test", ""}; a name IDNA2008 refuses -> {"", why}.
// Pure apart from libidn2's tables; any thread.
policy::idna_result idna_to_ascii(std::string_view utf8_domain);

}  // namespace mfrelay::relay
