// POSTs event JSON to the [notifications] webhook through the one HTTP client
// (relay/common/http_client.hpp): each attempt bounded by a timeout, retried
// after backoff waits, failures logged. One post() at a time, on the executor
// given (a strand); cancel() there too. The peer's reply is untrusted: only its
// status is used, and its body is bounded.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "policy/time.hpp"
#include "relay/common/http_client.hpp"

namespace mfrelay::relay {

struct webhook_settings {
  std::string url;                                     // http://HOST[:PORT][/PATH] (relay/common/http_url.hpp)
  policy::duration timeout = std::chrono::seconds(5);  // one attempt: lookup, connect, request, response
  std::vector<policy::duration> backoff{std::chrono::seconds(1), std::chrono::seconds(4),
                                        std::chrono::seconds(16)};  // waits before retries
};

class webhook_sender {
 public:
  // Throws std::invalid_argument when settings.url is not an http:// URL.
  webhook_sender(boost::asio::any_io_executor ex, webhook_settings settings);
  webhook_sender(const webhook_sender&) = delete;
  webhook_sender& operator=(const webhook_sender&) = delete;

  // POSTs `body` as application/json until the server answers 2xx (true) or
  // 1 + backoff.size() attempts failed (false, logged). Never throws for
  // network trouble.
  boost::asio::awaitable<bool> post(std::string body);

  // Ends a post() in progress (it returns false) and makes later ones fail at once.
  void cancel();

  std::uint64_t attempts() const { return attempts_; }  // since start

 private:
  // "" on success (2xx), else what went wrong.
  boost::asio::awaitable<std::string> attempt(const std::string& body);

  webhook_settings settings_;
  boost::asio::steady_timer backoff_timer_;
  std::shared_ptr<http_cancel_token> cancel_ = std::make_shared<http_cancel_token>();
  std::uint64_t attempts_ = 0;
};

}  // namespace mfrelay::relay
