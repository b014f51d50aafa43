// IP addresses and CIDR networks of [[user]] networks: IPv4, the IPv6 forms,
// prefix bounds, host bits, and IPv4 peers seen through the v4-mapped form.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>

#include "policy/ip_network.hpp"

namespace mfrelay::policy {
namespace {

using octets = std::array<std::uint8_t, 16>;

ip_address ip(std::string_view text) {
  auto parsed = parse_ip_address(text);
  REQUIRE_MESSAGE(parsed, "not an address: " << std::string(text));
  return *parsed;
}

TEST_CASE("parse_ip_address reads IPv4 and every IPv6 form") {
  struct row {
    std::string text;
    octets expected;
  };
  const row rows[] = {
      {"192.0.2.1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}},
      {"0.0.0.0", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}},
      {"255.255.255.255", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 255, 255, 255, 255}},
      {"::", {}},
      {"::1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"1::", {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"2001:db8::1", {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"2001:DB8::A:1", {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0, 1}},
      {"1:2:3:4:5:6:7:8", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
      {"1:2:3:4:5:6:7::", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0}},
      {"::2:3:4:5:6:7:8", {0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
      {"fe80::1:0:0:1", {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}},
      {"::ffff:192.0.2.1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}},
      {"64:ff9b::192.0.2.1", {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1}},
      {"1:2:3:4:5:6:192.0.2.1", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 192, 0, 2, 1}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto parsed = parse_ip_address(r.text);
    REQUIRE(parsed);
    CHECK(parsed->octets == r.expected);
  }
  CHECK(ip("192.0.2.1") == ipv4_address({192, 0, 2, 1}));
  CHECK(ip("::ffff:192.0.2.1") == ip("192.0.2.1"));
}

TEST_CASE("parse_ip_address refuses malformed addresses") {
  const std::string rows[] = {
      "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1.2..4", "1.2.3.4 ", "a.b.c.d",
      ":", ":::", "1:::2", "1::2::3", ":1", "1:", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::",
      "::1:2:3:4:5:6:7:8", "12345::", "g::1", "::1.2.3", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4", "fe80::1%eth0",
      "[::1]",
  };
  for (const auto& text : rows) {
    CAPTURE(text);
    CHECK_FALSE(parse_ip_address(text));
  }
}

TEST_CASE("networks contain the addresses under their prefix") {
  struct row {
    std::string network;
    unsigned prefix;  // in IPv6 bits
    std::string address;
    bool contained;
  };
  const row rows[] = {
      {"127.0.0.0/8", 104, "127.0.0.1", true},
      {"127.0.0.0/8", 104, "127.255.255.255", true},
      {"127.0.0.0/8", 104, "128.0.0.1", false},
      {"127.0.0.0/8", 104, "126.255.255.255", false},
      {"127.0.0.0/8", 104, "::ffff:127.0.0.1", true},  // an IPv4 peer on a dual-stack socket
      {"127.0.0.0/8", 104, "::7f00:1", false},         // v4-compatible is not v4-mapped
      {"127.0.0.0/8", 104, "::1", false},
      {"10.0.0.0/9", 105, "10.127.255.255", true},
      {"10.0.0.0/9", 105, "10.128.0.0", false},
      {"192.0.2.7", 128, "192.0.2.7", true},  // a bare address is a host
      {"192.0.2.7", 128, "192.0.2.8", false},
      {"192.0.2.7/32", 128, "::ffff:192.0.2.7", true},
      {"0.0.0.0/0", 96, "203.0.113.9", true},
      {"0.0.0.0/0", 96, "::1", false},  // all of IPv4, none of IPv6
      {"::1/128", 128, "::1", true},
      {"::1/128", 128, "127.0.0.1", false},
      {"::1", 128, "::1", true},
      {"::/0", 0, "2001:db8::1", true},
      {"::/0", 0, "192.0.2.1", true},
      {"2001:db8::/32", 32, "2001:db8:ffff::1", true},
      {"2001:db8::/32", 32, "2001:db9::", false},
      {"2001:db8::/33", 33, "2001:db8:7fff::", true},
      {"2001:db8::/33", 33, "2001:db8:8000::", false},
      {"::ffff:10.0.0.0/104", 104, "10.1.2.3", true},
      {"255.255.255.255/32", 128, "255.255.255.255", true},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 128, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
  };
  for (const auto& r : rows) {
    CAPTURE(r.network);
    CAPTURE(r.address);
    auto net = parse_ip_network(r.network);
    REQUIRE(net);
    CHECK(net->prefix == r.prefix);
    CHECK(net->text == r.network);
    CHECK(net->contains(ip(r.address)) == r.contained);
  }
}

TEST_CASE("parse_ip_network refuses host bits, prefixes out of bounds and junk") {
  const std::string rows[] = {
      "10.0.0.1/8",      // host bits set: a typo, not a network
      "127.0.0.1/8",
      "192.0.2.1/31",
      "2001:db8::1/32",
      "::1/127",
      "10.0.0.0/33",     // IPv4 prefixes stop at 32
      "::/129",
      "10.0.0.0/",
      "/8",
      "10.0.0.0/a",
      "10.0.0.0/-1",
      "10.0.0.0/8/8",
      "10.0.0.0 /8",
      "10.0.0.0/8 ",
      "localhost",
      "",
  };
  for (const auto& text : rows) {
    CAPTURE(text);
    CHECK_FALSE(parse_ip_network(text));
  }
}

}  // namespace
}  // namespace mfrelay::policy
