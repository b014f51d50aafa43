// A small HTTP/1.1 client (plain http://, one request per connection) for the CLI's
// SigV4-signed calls to the daemon and the daemon's webhooks: http_fetch() on the caller's
// executor, http_fetch_blocking() on its own io_context. Responses are untrusted, bounded in size and time.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "policy/config.hpp"
#include "policy/time.hpp"
#include "relay/admin/http_message.hpp"
#include "relay/admin/sigv4.hpp"

namespace mfrelay::relay {

struct http_client_request {
  std::string method = "GET";
  std::string url;  // "http://HOST[:PORT]/PATH[?QUERY]", the path and query already percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"content-type", "application/json"}
  std::string body;
  std::optional<sigv4_credentials> credentials;  // set: signed with SigV4 (host, x-amz-date, and the headers above)
  std::string region = "us-east-1";              // the credential scope, when signed
  std::string service = "ses";
  policy::duration timeout = std::chrono::seconds(10);  // the whole exchange: lookup, connect, write, read
  std::uint64_t max_response_bytes = 16 * 1024 * 1024;
};

struct http_client_result {
  std::string error;       // "" when a response arrived; else what failed ("connection refused", "timed out", ...)
  http_response response;  // status, content_type, body, headers (names lower-cased)
  bool ok() const { return error.empty(); }
};

// Never throws for network trouble or a bad URL: that is `error`.
boost::asio::awaitable<http_client_result> http_fetch(http_client_request request);

http_client_result http_fetch_blocking(http_client_request request);

// A request to the running daemon's admin API as [admin] in `cfg` describes it:
// its address (a wildcard address becomes loopback), signed with the first
// [[admin.key]] (unsigned when there is none) for the relay's region.
http_client_request admin_api_request(const policy::config& cfg, std::string method, std::string target,
                                      std::string body = {}, std::string content_type = {});

}  // namespace mfrelay::relay
