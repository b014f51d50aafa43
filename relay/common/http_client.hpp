// mfrelay's one HTTP/1.1 client (plain http://, one request per connection):
// the CLI's signed calls to the daemon's admin API and the daemon's webhooks.
// http_fetch() runs on the caller's executor (and strand), http_fetch_blocking()
// on its own io_context. Responses are untrusted: bounded in size and time.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "policy/time.hpp"
#include "relay/common/http_message.hpp"

namespace mfrelay::relay {

// Lets another coroutine on the fetch's executor end an http_fetch() in
// progress: the fetch returns at once with error "cancelled", and every later
// fetch given the same token fails the same way without connecting.
class http_cancel_token {
 public:
  void cancel() {
    cancelled_ = true;
    if (stop_) stop_();
  }
  bool cancelled() const { return cancelled_; }

  // The fetch in progress says how to stop it (the client's, not the caller's).
  void while_running(std::function<void()> stop) { stop_ = std::move(stop); }

 private:
  bool cancelled_ = false;
  std::function<void()> stop_;
};

struct http_client_request {
  std::string method = "GET";
  std::string url;  // "http://HOST[:PORT]/PATH[?QUERY]" (relay/common/http_url.hpp), already percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"content-type", "application/json"}
  std::string body;
  // Called with the request as it will be sent (method, target, body, lower-cased
  // headers with "host") to add headers of its own, e.g. a SigV4 signature.
  std::function<void(http_request&)> sign;
  policy::duration timeout = std::chrono::seconds(10);  // the whole exchange: lookup, connect, write, read
  std::uint64_t max_response_bytes = 16 * 1024 * 1024;  // a longer body is cut there (`truncated`)
  std::shared_ptr<http_cancel_token> cancel;            // optional
};

struct http_client_result {
  std::string error;       // "" when a response arrived; else what failed ("cannot connect to ...", "timed out")
  http_response response;  // status, content_type, body, headers (names lower-cased)
  bool truncated = false;  // the body went past max_response_bytes; `response.body` holds none of it
  bool ok() const { return error.empty(); }
};

// Never throws for network trouble or a bad URL: that is `error`.
boost::asio::awaitable<http_client_result> http_fetch(http_client_request request);

http_client_result http_fetch_blocking(http_client_request request);

}  // namespace mfrelay::relay
