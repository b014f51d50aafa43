#include "relay/delivery/ehlo_capabilities.hpp"

#include <charconv>
#include <string_view>

#include "policy/ascii.hpp"

namespace mfrelay::relay {

using policy::ascii_iequals;

ehlo_capabilities parse_ehlo(const upstream_reply& reply) {
  ehlo_capabilities caps;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::string_view line = reply.lines[i];
    std::size_t space = line.find(' ');
    std::string_view keyword = line.substr(0, space);
    std::string_view params = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    if (ascii_iequals(keyword, "PIPELINING")) {
      caps.pipelining = true;
    } else if (ascii_iequals(keyword, "STARTTLS")) {
      caps.starttls = true;
    } else if (ascii_iequals(keyword, "8BITMIME")) {
      caps.eight_bit_mime = true;
    } else if (ascii_iequals(keyword, "SMTPUTF8")) {
      caps.smtputf8 = true;
    } else if (ascii_iequals(keyword, "AUTH") || policy::ascii_istarts_with(keyword, "AUTH=")) {
      // "AUTH PLAIN LOGIN", or the pre-RFC "AUTH=PLAIN LOGIN" some servers still send.
      std::string_view rest = ascii_iequals(keyword, "AUTH") ? params : line.substr(5);
      while (!rest.empty()) {
        std::size_t end = rest.find(' ');
        std::string_view mechanism = rest.substr(0, end);
        if (ascii_iequals(mechanism, "PLAIN")) caps.auth_plain = true;
        if (ascii_iequals(mechanism, "LOGIN")) caps.auth_login = true;
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
      }
    } else if (ascii_iequals(keyword, "SIZE")) {
      caps.size = true;
      caps.size_limit = 0;
      std::string_view digits = params.substr(0, params.find(' '));
      std::uint64_t value = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec == std::errc{} && end == digits.data() + digits.size()) caps.size_limit = value;
    }
  }
  return caps;
}

}  // namespace mfrelay::relay
