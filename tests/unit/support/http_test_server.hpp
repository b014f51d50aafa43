// A tiny HTTP/1.1 server on 127.0.0.1 (ephemeral port) for HTTP client and webhook tests: it
// records every request and answers with the status a test picks per request
// (0: close without answering, -1: never answer). Runs on the test's io_context.
#pragma once
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <functional>
#include <string>
#include <vector>

namespace mfrelay::relay::test {

class http_test_server {
 public:
  struct request {
    std::string method, target, host, content_type, body;
    std::vector<std::pair<std::string, std::string>> headers;  // every header, names as sent
  };

  explicit http_test_server(boost::asio::io_context& io)
      : acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    boost::asio::co_spawn(io, accept_loop(), boost::asio::detached);
  }
  ~http_test_server() { close(); }
  http_test_server(const http_test_server&) = delete;
  http_test_server& operator=(const http_test_server&) = delete;

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path = "/hooks/mfrelay") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

  std::vector<request> requests;
  std::size_t connections = 0;
  // The status for the n-th request (1-based).
  std::function<int(std::size_t n)> status = [](std::size_t) { return 200; };
  std::string response_body = "ok\n";

 private:
  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      ++connections;
      boost::asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    boost::beast::tcp_stream stream(std::move(socket));
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    auto [read_ec, read] = co_await http::async_read(stream, buffer, req, use_tuple);
    if (read_ec) co_return;
    request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.host = std::string(req[http::field::host]);
    r.content_type = std::string(req[http::field::content_type]);
    r.body = req.body();
    for (const auto& field : req) r.headers.emplace_back(field.name_string(), field.value());
    requests.push_back(std::move(r));
    const int code = status(requests.size());
    if (code == 0) co_return;  // closes the connection unanswered
    if (code < 0) {            // hold it until the client gives up
      http::request<http::string_body> more;
      [[maybe_unused]] auto [ec, n] = co_await http::async_read(stream, buffer, more, use_tuple);
      co_return;
    }
    http::response<http::string_body> res(static_cast<http::status>(code), 11);
    res.set(http::field::content_type, "text/plain");
    if (code != 204 && code != 304) res.body() = response_body;
    res.keep_alive(false);
    res.prepare_payload();
    [[maybe_unused]] auto [write_ec, written] = co_await http::async_write(stream, res, use_tuple);
    boost::system::error_code ignored;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  }

  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace mfrelay::relay::test
