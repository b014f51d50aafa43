// "host:port" in configuration: IPv6 in brackets, ports 1..65535, port 0 only
// where "pick a free port" makes sense.
#include <doctest/doctest.h>

#include <string>

#include "policy/host_port.hpp"

namespace mfrelay::policy {
namespace {

TEST_CASE("parse_host_port reads names, IPv4 and bracketed IPv6") {
  struct row {
    std::string text, host;
    std::uint16_t port;
  };
  const row rows[] = {
      {"127.0.0.1:2525", "127.0.0.1", 2525},
      {"[::1]:2525", "::1", 2525},
      {"[2001:db8::1]:587", "2001:db8::1", 587},
      {"localhost:25", "localhost", 25},
      {"smtp.example.com:1", "smtp.example.com", 1},
      {"smtp.example.com:65535", "smtp.example.com", 65535},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto parsed = parse_host_port(r.text);
    REQUIRE(parsed);
    CHECK(parsed->host == r.host);
    CHECK(parsed->port == r.port);
    CHECK(parsed->str() == r.text);  // str() brackets IPv6 again
  }
}

TEST_CASE("port 0 is accepted only when allowed") {
  CHECK_FALSE(parse_host_port("127.0.0.1:0"));
  auto any = parse_host_port("127.0.0.1:0", true);
  REQUIRE(any);
  CHECK(any->port == 0);
  auto any6 = parse_host_port("[::1]:0", true);
  REQUIRE(any6);
  CHECK(any6->host == "::1");
  CHECK(any6->port == 0);
}

TEST_CASE("parse_host_port refuses a missing or bad port and unbracketed IPv6") {
  const std::string rows[] = {
      "localhost", "127.0.0.1", "127.0.0.1:", ":25", "[::1]", "[::1]25", "[::1:25", "[]:25", "::1:25",
      "2001:db8::1:25", "host:65536", "host:99999999999", "host:-1", "host:+25", "host:25x", "host: 25",
      "host:0x19", "",
  };
  for (const auto& text : rows) {
    CAPTURE(text);
    CHECK_FALSE(parse_host_port(text));
    CHECK_FALSE(parse_host_port(text, true));
  }
}

TEST_CASE("str() of a built host_port") {
  CHECK(host_port{"127.0.0.1", 10026}.str() == "127.0.0.1:10026");
  CHECK(host_port{"::1", 8025}.str() == "[::1]:8025");
}

}  // namespace
}  // namespace mfrelay::policy
