// "http://HOST[:PORT][/PATH][?QUERY]" as mfrelay's HTTP client takes it (admin
// API calls from the CLI, webhooks). Pure; any thread. The URL comes from
// configuration or the command line: every rejection says why.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mfrelay::relay {

struct http_url {
  std::string host;         // without brackets: "127.0.0.1", "::1", "hooks.example"
  std::uint16_t port = 80;
  std::string host_header;  // as Host and SigV4 carry it: "127.0.0.1:8025", "[::1]:8025", "hooks.example"
  std::string target = "/"; // path and query, as given (already percent-encoded)
};

// nullopt, with `why` set, for anything but plain http:// with a host, an
// optional port 1-65535, no user info, and no space or control character.
std::optional<http_url> parse_http_url(std::string_view url, std::string& why);

}  // namespace mfrelay::relay
