// POSTs event JSON to the [notifications] webhook (plain http://HOST:PORT/PATH):
// each attempt bounded by a timeout, retried after backoff waits, failures
// logged. One post() at a time, on the executor given (a strand); cancel() there
// too. The peer's reply is untrusted: only its status line is used, body bounded.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/host_port.hpp"
#include "policy/time.hpp"

namespace mfrelay::relay {

struct webhook_url {
  policy::host_port server;
  std::string target = "/";  // path and query, as given
};

// "http://HOST:PORT[/PATH]" (the port is required, as the configuration checks); nullopt otherwise.
std::optional<webhook_url> parse_webhook_url(std::string_view url);

struct webhook_settings {
  std::string url;
  policy::duration timeout = std::chrono::seconds(5);  // one attempt: lookup, connect, request, response
  std::vector<policy::duration> backoff{std::chrono::seconds(1), std::chrono::seconds(4),
                                        std::chrono::seconds(16)};  // waits before retries
};

class webhook_sender {
 public:
  // Throws std::invalid_argument when settings.url is not a webhook URL.
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
  // Connect, request, response on stream_ (its deadline already set).
  boost::asio::awaitable<std::string> exchange(std::vector<boost::asio::ip::tcp::endpoint> endpoints,
                                               const std::string& body);

  boost::asio::any_io_executor ex_;
  webhook_settings settings_;
  webhook_url url_;
  boost::asio::steady_timer backoff_timer_;
  std::shared_ptr<boost::asio::ip::tcp::resolver> resolver_;  // while a lookup runs
  std::optional<boost::beast::tcp_stream> stream_;            // while an attempt runs
  bool cancelled_ = false;
  std::uint64_t attempts_ = 0;
};

}  // namespace mfrelay::relay
