#include "relay/smtp/proxy_header.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

namespace mfrelay::relay::smtp {
namespace {

constexpr std::string_view v1_prefix = "PROXY ";
constexpr std::size_t v1_max = 107;  // the whole line, CRLF included
constexpr std::string_view v2_signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr std::size_t v2_fixed = 16;
constexpr std::size_t shortest = 15;  // "PROXY UNKNOWN\r\n"; a v2 header is 16 or more

proxy_header need(std::size_t more) {
  proxy_header h;
  h.more = more;
  return h;
}

proxy_header invalid(std::string error) {
  proxy_header h;
  h.status = proxy_parse_status::invalid;
  h.error = std::move(error);
  return h;
}

// True when `bytes` could still become `whole` (a prefix of it, or it).
bool could_be(std::string_view bytes, std::string_view whole) {
  const std::size_t n = std::min(bytes.size(), whole.size());
  return bytes.substr(0, n) == whole.substr(0, n);
}

// An address as the session names clients: an IPv4-mapped IPv6 address
// (::ffff:192.0.2.7) as the IPv4 address it is, as for direct connections.
std::string address_from_octets(int family, const unsigned char* octets) {
  static constexpr unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (family == AF_INET6 && std::equal(octets, octets + 12, v4_mapped)) return address_from_octets(AF_INET, octets + 12);
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (!inet_ntop(family, octets, out.data(), out.size())) return "";
  return out.data();
}

// `text` as an address of `family`, or "" when it is not one (inet_pton is
// strict: no leading zeros in IPv4 octets, no zone ids).
std::string canonical_address(int family, std::string_view text) {
  std::array<unsigned char, 16> raw{};
  const std::string copy(text);
  if (inet_pton(family, copy.c_str(), raw.data()) != 1) return "";
  return address_from_octets(family, raw.data());
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    const std::size_t at = line.find(' ');
    out.push_back(line.substr(0, at));
    if (at == std::string_view::npos) break;
    line.remove_prefix(at + 1);
  }
  return out;
}

// "PROXY TCP4 192.0.2.7 198.51.100.1 51234 25\r\n", "PROXY UNKNOWN ...\r\n".
proxy_header parse_v1(std::string_view bytes) {
  const std::size_t end = bytes.substr(0, v1_max).find("\r\n");
  if (end == std::string_view::npos) {
    if (bytes.size() >= v1_max) return invalid("PROXY v1 line longer than 107 bytes");
    return need(bytes.size() < shortest ? shortest - bytes.size() : 1);
  }
  const std::string_view line = bytes.substr(v1_prefix.size(), end - v1_prefix.size());
  proxy_header h;
  h.status = proxy_parse_status::complete;
  h.length = end + 2;
  const auto fields = split_spaces(line);
  if (fields.empty()) return invalid("PROXY v1 line without a protocol");
  if (fields[0] == "UNKNOWN") {  // the rest of the line is to be ignored
    h.local = true;
    return h;
  }
  int family = 0;
  if (fields[0] == "TCP4") family = AF_INET;
  else if (fields[0] == "TCP6") family = AF_INET6;
  else return invalid("PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN");
  if (fields.size() != 5) return invalid("PROXY v1 line does not have 4 address fields");
  h.source_address = canonical_address(family, fields[1]);
  std::uint16_t destination_port = 0;
  if (h.source_address.empty() || canonical_address(family, fields[2]).empty())
    return invalid("PROXY v1 address is not a " + std::string(fields[0]) + " address");
  if (!parse_port(fields[3], h.source_port) || !parse_port(fields[4], destination_port))
    return invalid("PROXY v1 port is not a number from 0 to 65535");
  return h;
}

proxy_header parse_v2(std::string_view bytes) {
  if (bytes.size() < v2_fixed) return need(v2_fixed - bytes.size());
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const unsigned version = b[12] >> 4, command = b[12] & 0x0f;
  const unsigned family = b[13] >> 4, transport = b[13] & 0x0f;
  const std::size_t length = static_cast<std::size_t>(b[14]) << 8 | b[15];
  if (version != 2) return invalid("PROXY v2 header with version " + std::to_string(version));
  if (command > 1) return invalid("PROXY v2 command is neither LOCAL nor PROXY");
  if (v2_fixed + length > max_proxy_header_bytes) return invalid("PROXY v2 header longer than 4096 bytes");
  if (bytes.size() < v2_fixed + length) return need(v2_fixed + length - bytes.size());
  proxy_header h;
  h.status = proxy_parse_status::complete;
  h.length = v2_fixed + length;
  // LOCAL: the balancer's own connection. UNSPEC or AF_UNIX: no address we can use.
  if (command == 0 || family == 0 || family == 3) {
    h.local = true;
    return h;
  }
  if (family > 3) return invalid("PROXY v2 address family is unknown");
  if (transport != 1) return invalid("PROXY v2 transport is not a stream (TCP)");
  const unsigned char* addresses = b + v2_fixed;
  const std::size_t address_bytes = family == 1 ? 4 : 16;
  if (length < 2 * address_bytes + 4) return invalid("PROXY v2 header too short for its addresses");
  h.source_address = address_from_octets(family == 1 ? AF_INET : AF_INET6, addresses);
  const unsigned char* ports = addresses + 2 * address_bytes;
  h.source_port = static_cast<std::uint16_t>(ports[0] << 8 | ports[1]);
  if (h.source_address.empty()) return invalid("PROXY v2 source address unreadable");
  return h;
}

}  // namespace

proxy_header parse_proxy_header(std::string_view bytes) {
  if (bytes.size() >= v1_prefix.size() && bytes.substr(0, v1_prefix.size()) == v1_prefix) return parse_v1(bytes);
  if (bytes.size() >= v2_signature.size() && bytes.substr(0, v2_signature.size()) == v2_signature)
    return parse_v2(bytes);
  if (could_be(bytes, v1_prefix)) return need(shortest - bytes.size());
  if (could_be(bytes, v2_signature)) return need(v2_fixed - bytes.size());
  return invalid("the connection did not start with a PROXY protocol header");
}

}  // namespace mfrelay::relay::smtp
