// "host:port" as written in configuration ("127.0.0.1:2525", "[::1]:2525",
// "localhost:25"). Pure, any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mfrelay::policy {

struct host_port {
  std::string host;  // without brackets
  std::uint16_t port = 0;
  std::string str() const;  // brackets an IPv6 host again
};

// Nullopt when the port is missing, not a number, or out of 1..65535
// (0 is allowed when `allow_zero`, for "pick a free port").
std::optional<host_port> parse_host_port(std::string_view text, bool allow_zero = false);

}  // namespace mfrelay::policy
