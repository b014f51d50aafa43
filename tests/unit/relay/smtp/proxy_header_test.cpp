// The PROXY protocol header as HAProxy sends it (v1 text, v2 binary), cut at
// every byte, and the malformed and hostile headers a connection must be
// closed for.
#include "relay/smtp/proxy_header.hpp"

#include <doctest/doctest.h>

#include <string>

namespace mfrelay::relay::smtp {
namespace {

using namespace std::string_literals;

const std::string v2_signature = "\r\n\r\n\0\r\nQUIT\n"s;

// A v2 header: PROXY command, `family_transport`, the address block given.
std::string v2(unsigned char command, unsigned char family_transport, const std::string& block) {
  std::string h = v2_signature;
  h += static_cast<char>(0x20 | command);
  h += static_cast<char>(family_transport);
  h += static_cast<char>(block.size() >> 8);
  h += static_cast<char>(block.size() & 0xff);
  return h + block;
}

std::string tcp4_block(std::string src, std::string dst, unsigned sport, unsigned dport) {
  std::string b = src + dst;
  b += static_cast<char>(sport >> 8);
  b += static_cast<char>(sport & 0xff);
  b += static_cast<char>(dport >> 8);
  b += static_cast<char>(dport & 0xff);
  return b;
}

// Every proper prefix asks for more, never for a byte past the header; read
// as the session reads (exactly `more` bytes at a time), the header completes.
void check_every_cut(const std::string& header) {
  for (std::size_t n = 0; n < header.size(); ++n) {
    CAPTURE(n);
    proxy_header h = parse_proxy_header(std::string_view(header).substr(0, n));
    CHECK(h.status == proxy_parse_status::need_more);
    CHECK(h.more >= 1);
    CHECK(n + h.more <= header.size());
  }
  std::size_t have = 0;
  for (int reads = 0; reads < 200; ++reads) {
    proxy_header h = parse_proxy_header(std::string_view(header).substr(0, have));
    if (h.status != proxy_parse_status::need_more) break;
    have += h.more;
  }
  CHECK(have == header.size());
}

TEST_CASE("v1 TCP4: the client address and port, and where SMTP starts") {
  const std::string header = "PROXY TCP4 192.0.2.7 198.51.100.1 51234 25\r\n";
  check_every_cut(header);
  proxy_header h = parse_proxy_header(header + "EHLO client\r\n");
  REQUIRE(h.status == proxy_parse_status::complete);
  CHECK(h.length == header.size());
  CHECK_FALSE(h.local);
  CHECK(h.source_address == "192.0.2.7");
  CHECK(h.source_port == 51234);
}

TEST_CASE("v1 TCP6, and an IPv4-mapped client named as IPv4") {
  proxy_header h = parse_proxy_header("PROXY TCP6 2001:db8::7 2001:db8::1 40000 587\r\n");
  REQUIRE(h.status == proxy_parse_status::complete);
  CHECK(h.source_address == "2001:db8::7");
  h = parse_proxy_header("PROXY TCP6 ::ffff:192.0.2.9 ::1 40000 587\r\n");
  REQUIRE(h.status == proxy_parse_status::complete);
  CHECK(h.source_address == "192.0.2.9");
}

TEST_CASE("v1 UNKNOWN is the balancer's own connection") {
  check_every_cut("PROXY UNKNOWN\r\n");
  proxy_header h = parse_proxy_header("PROXY UNKNOWN\r\n");
  REQUIRE(h.status == proxy_parse_status::complete);
  CHECK(h.local);
  CHECK(h.source_address.empty());
  CHECK(parse_proxy_header("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n").local);
}

TEST_CASE("v1: malformed lines are refused") {
  for (std::string bad : {"PROXY TCP4 192.0.2.7 198.51.100.1 51234\r\n", "PROXY TCP4 2001:db8::7 ::1 1 2\r\n",
                          "PROXY TCP6 192.0.2.7 198.51.100.1 1 2\r\n", "PROXY TCP4 192.0.2.07 198.51.100.1 1 2\r\n",
                          "PROXY TCP4 192.0.2.7 198.51.100.1 65536 25\r\n", "PROXY TCP4 192.0.2.7 198.51.100.1 -1 25\r\n",
                          "PROXY TCP4 192.0.2.7 198.51.100.1 025 25\r\n", "PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n",
                          "PROXY TCP4  192.0.2.7 198.51.100.1 1 2\r\n", "PROXY \r\n"}) {
    CAPTURE(bad);
    proxy_header h = parse_proxy_header(bad);
    CHECK(h.status == proxy_parse_status::invalid);
    CHECK_FALSE(h.error.empty());
  }
  // No CRLF within 107 bytes: never buffered further.
  CHECK(parse_proxy_header("PROXY TCP4 " + std::string(200, '1')).status == proxy_parse_status::invalid);
}

TEST_CASE("v2 PROXY over TCP/IPv4, with TLVs after the addresses") {
  const std::string header = v2(1, 0x11, tcp4_block("\xc0\x00\x02\x07"s, "\xc6\x33\x64\x01"s, 51234, 25) + "\x04\x00\x01X"s);
  check_every_cut(header);
  proxy_header h = parse_proxy_header(header + "EHLO x\r\n");
  REQUIRE(h.status == proxy_parse_status::complete);
  CHECK(h.length == header.size());
  CHECK(h.source_address == "192.0.2.7");
  CHECK(h.source_port == 51234);
}

TEST_CASE("v2 PROXY over TCP/IPv6") {
  std::string src(16, '\0'), dst(16, '\0');
  src[0] = '\x20', src[1] = '\x01', src[2] = '\x0d', src[3] = '\xb8', src[15] = '\x07';
  dst[15] = '\x01';
  std::string block = src + dst + "\x9c\x40\x02\x4b"s;
  proxy_header h = parse_proxy_header(v2(1, 0x21, block));
  REQUIRE(h.status == proxy_parse_status::complete);
  CHECK(h.source_address == "2001:db8::7");
  CHECK(h.source_port == 40000);
}

TEST_CASE("v2 LOCAL and unspecified families keep the connection's address") {
  CHECK(parse_proxy_header(v2(0, 0x00, "")).local);
  CHECK(parse_proxy_header(v2(0, 0x11, tcp4_block("\1\2\3\4", "\1\2\3\5", 1, 2))).local);
  CHECK(parse_proxy_header(v2(1, 0x00, "")).local);
  CHECK(parse_proxy_header(v2(1, 0x31, std::string(216, 'u'))).local);  // AF_UNIX
}

TEST_CASE("v2: malformed headers are refused") {
  std::string wrong_version = v2(1, 0x11, tcp4_block("\1\2\3\4", "\1\2\3\5", 1, 2));
  wrong_version[12] = '\x11';
  CHECK(parse_proxy_header(wrong_version).status == proxy_parse_status::invalid);
  CHECK(parse_proxy_header(v2(2, 0x11, tcp4_block("\1\2\3\4", "\1\2\3\5", 1, 2))).status == proxy_parse_status::invalid);
  CHECK(parse_proxy_header(v2(1, 0x11, "\1\2\3\4")).status == proxy_parse_status::invalid);      // too short
  CHECK(parse_proxy_header(v2(1, 0x12, tcp4_block("\1\2\3\4", "\1\2\3\5", 1, 2))).status ==  // UDP
        proxy_parse_status::invalid);
  CHECK(parse_proxy_header(v2(1, 0x41, std::string(40, 'x'))).status == proxy_parse_status::invalid);
  // A length past the bound is refused before its bytes arrive.
  std::string huge = v2_signature + "\x21\x11\xff\xff"s;
  CHECK(parse_proxy_header(huge).status == proxy_parse_status::invalid);
}

TEST_CASE("a connection that starts with anything else is refused at once") {
  CHECK(parse_proxy_header("EHLO client\r\n").status == proxy_parse_status::invalid);
  CHECK(parse_proxy_header("P").status == proxy_parse_status::need_more);
  CHECK(parse_proxy_header("").more == 15);  // "PROXY UNKNOWN\r\n" is the shortest header
  CHECK(parse_proxy_header("\r\n"s).more == 14);
  CHECK(parse_proxy_header("PROXX").status == proxy_parse_status::invalid);
  CHECK(parse_proxy_header("\r\n\r\n\0\r\nQUIX"s).status == proxy_parse_status::invalid);
  CHECK(parse_proxy_header("").status == proxy_parse_status::need_more);
}

}  // namespace
}  // namespace mfrelay::relay::smtp
