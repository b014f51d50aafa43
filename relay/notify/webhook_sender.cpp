#include "relay/notify/webhook_sender.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "relay/common/endpoint_lookup.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t max_response_body = 64 * 1024;

}  // namespace

std::optional<webhook_url> parse_webhook_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) return std::nullopt;
  url.remove_prefix(scheme.size());
  const auto slash = url.find('/');
  auto server = policy::parse_host_port(url.substr(0, slash));
  if (!server) return std::nullopt;
  webhook_url out;
  out.server = std::move(*server);
  if (slash != std::string_view::npos) out.target = std::string(url.substr(slash));
  for (char c : out.target) {
    if (c <= ' ' || c == 0x7f) return std::nullopt;  // no room for a request line of our own making
  }
  return out;
}

webhook_sender::webhook_sender(asio::any_io_executor ex, webhook_settings settings)
    : ex_(std::move(ex)), settings_(std::move(settings)), backoff_timer_(ex_) {
  auto url = parse_webhook_url(settings_.url);
  if (!url) throw std::invalid_argument("not an http://HOST:PORT/PATH webhook URL: " + settings_.url);
  url_ = std::move(*url);
}

void webhook_sender::cancel() {
  cancelled_ = true;
  backoff_timer_.cancel();
  if (resolver_) resolver_->cancel();
  if (stream_) stream_->cancel();
}

asio::awaitable<bool> webhook_sender::post(std::string body) {
  const std::size_t attempts = 1 + settings_.backoff.size();
  for (std::size_t i = 0; i < attempts && !cancelled_; ++i) {
    if (i > 0) {
      backoff_timer_.expires_after(settings_.backoff[i - 1]);
      co_await backoff_timer_.async_wait(use_tuple);
      if (cancelled_) break;
    }
    ++attempts_;
    std::string trouble = co_await attempt(body);
    if (trouble.empty()) co_return true;
    spdlog::warn("webhook {}: attempt {} of {} failed: {}", settings_.url, i + 1, attempts, trouble);
  }
  spdlog::error("webhook {}: gave up{}; the event stays in the event log", settings_.url,
                cancelled_ ? " (stopping)" : "");
  co_return false;
}

asio::awaitable<std::string> webhook_sender::attempt(const std::string& body) {
  const auto& server = url_.server;
  std::vector<tcp::endpoint> endpoints;
  error_code lookup_ec = co_await lookup_endpoints(ex_, server.host, server.port,
                                                   std::chrono::steady_clock::now() + settings_.timeout, endpoints,
                                                   &resolver_);
  if (lookup_ec) co_return "cannot resolve " + server.host + ": " + lookup_ec.message();
  if (cancelled_) co_return "cancelled";

  stream_.emplace(ex_);
  // One deadline for connect, request and response together.
  stream_->expires_after(settings_.timeout);
  std::string trouble = co_await exchange(endpoints, body);
  error_code ignored;
  stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_->close();
  stream_.reset();
  co_return trouble;
}

asio::awaitable<std::string> webhook_sender::exchange(std::vector<tcp::endpoint> endpoints, const std::string& body) {
  auto [connect_ec, endpoint] = co_await stream_->async_connect(endpoints, use_tuple);
  if (connect_ec) co_return "connect: " + connect_ec.message();

  http::request<http::string_body> request(http::verb::post, url_.target, 11);
  request.set(http::field::host, url_.server.str());
  request.set(http::field::user_agent, "mfrelay");
  request.set(http::field::content_type, "application/json");
  request.keep_alive(false);
  request.body() = body;
  request.prepare_payload();
  auto [write_ec, written] = co_await http::async_write(*stream_, request, use_tuple);
  if (write_ec) co_return "request: " + write_ec.message();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_response_body);
  auto [read_ec, read] = co_await http::async_read(*stream_, buffer, parser, use_tuple);
  // A body over the limit still came with a status: judge by it.
  if (read_ec && !(read_ec == http::error::body_limit && parser.is_header_done()))
    co_return "response: " + read_ec.message();
  unsigned status = parser.get().result_int();
  if (status < 200 || status >= 300) co_return "HTTP " + std::to_string(status);
  co_return std::string();
}

}  // namespace mfrelay::relay
