// IP addresses and CIDR networks for `[[user]] networks`, without any socket
// library: addresses are parsed from text or given as raw octets. Any thread.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mfrelay::policy {

// An IPv4 address is kept as an IPv4-mapped IPv6 address (::ffff:a.b.c.d), so
// one comparison serves both families and v4-mapped peers match v4 networks.
struct ip_address {
  std::array<std::uint8_t, 16> octets{};
  friend bool operator==(const ip_address&, const ip_address&) = default;
};

std::optional<ip_address> parse_ip_address(std::string_view text);
ip_address ipv4_address(std::array<std::uint8_t, 4> octets);

struct ip_network {
  ip_address base;
  unsigned prefix = 128;  // in IPv6 bits (an IPv4 /8 is stored as /104)
  std::string text;       // as configured, for messages

  bool contains(const ip_address& address) const;
};

// "127.0.0.0/8", "::1/128", "10.1.2.3" (a host). Nullopt when malformed or when
// host bits are set below the prefix ("10.0.0.1/8").
std::optional<ip_network> parse_ip_network(std::string_view text);

}  // namespace mfrelay::policy
