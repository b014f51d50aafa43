// An admin http_server on 127.0.0.1:0 with a fake backend and a recording
// handler, its io_context running on two threads; plus a blocking raw HTTP client
// for exact bytes. Test code only: the fixture is built and destroyed on the test's thread.
#pragma once
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "botocore_vectors.hpp"
#include "relay/admin/admin_backend.hpp"
#include "relay/admin/http_server.hpp"

namespace mfrelay::relay::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

// An admin_backend that only serves a fixed configuration (HTTP-level tests).
class config_backend : public admin_backend {
 public:
  explicit config_backend(policy::config cfg) : config_(std::make_shared<const policy::config>(std::move(cfg))) {}

  std::shared_ptr<const policy::config> config() const override { return config_; }
  std::vector<stored_state> stored_states() const override { return {}; }
  asio::awaitable<std::vector<policy::config_error>> change(identity_change) override {
    co_return std::vector<policy::config_error>{};
  }
  asio::awaitable<bool> verify_now(std::string) override { co_return false; }
  std::string metrics_text() const override { return "# TYPE mfrelay_up gauge\nmfrelay_up 1\n"; }
  bool ready() const override { return ready_.load(); }

  std::atomic<bool> ready_{true};

 private:
  std::shared_ptr<const policy::config> config_;
};

// What the handler saw.
struct handler_log {
  std::mutex mutex;
  std::vector<http_request> requests;

  std::vector<http_request> snapshot() {
    std::lock_guard lock(mutex);
    return requests;
  }
};

// By path: /slow waits 400 ms, /boom throws, /with-id names its own request id;
// anything else answers 200 "handled" with an x-test header.
inline asio::awaitable<http_response> recording_handle(handler_log* log, http_request request) {
  {
    std::lock_guard lock(log->mutex);
    log->requests.push_back(request);
  }
  http_response res;
  if (request.path == "/slow") {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(400ms);
    co_await timer.async_wait(asio::use_awaitable);
    res.body = "slow done";
    co_return res;
  }
  if (request.path == "/boom") throw std::runtime_error("the handler broke");
  if (request.path == "/with-id") res.headers.emplace_back("x-amzn-RequestId", "handler-id");
  res.content_type = "application/json";
  res.body = R"({"handled":true})";
  res.headers.emplace_back("x-test", "yes");
  co_return res;
}

struct recording_handler {
  handler_log* log;
  asio::awaitable<http_response> operator()(http_request request, std::string /*request_id*/) const {
    return recording_handle(log, std::move(request));
  }
};

inline policy::config admin_config() {
  policy::config cfg;
  cfg.admin.address = {"127.0.0.1", 0};
  cfg.admin.keys = example_keys();
  cfg.admin.max_body_bytes = 1024;
  return cfg;
}

struct server_fixture {
  explicit server_fixture(policy::config cfg = admin_config(), http_server_options options = {})
      : backend(std::move(cfg)) {
    server = std::make_unique<http_server>(io, backend, recording_handler{&log}, std::move(options));
    server->start();
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }

  ~server_fixture() {
    auto done = asio::co_spawn(io, server->shutdown(1s), asio::use_future);
    done.wait_for(5s);
    work.reset();
    io.stop();
    for (auto& t : threads) t.join();
  }

  asio::ip::tcp::endpoint endpoint() const { return server->local_endpoint(); }
  std::string host() const { return "127.0.0.1:" + std::to_string(endpoint().port()); }

  // Waits until the server counts `n` open connections.
  bool wait_connections(std::size_t n, std::chrono::milliseconds limit = 3s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (server->connections() != n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  config_backend backend;
  handler_log log;
  asio::io_context io;
  // Keeps the threads running while the server has nothing pending (after a stop()).
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  std::unique_ptr<http_server> server;
  std::vector<std::thread> threads;
};

// A blocking client for exact bytes, with a receive timeout so a test cannot hang.
class raw_client {
 public:
  // `from`: the local address to connect from (another loopback address, 127.0.0.2,
  // plays another client); empty: any.
  explicit raw_client(const asio::ip::tcp::endpoint& endpoint, const std::string& from = "") : socket_(io_) {
    if (!from.empty()) {
      socket_.open(endpoint.protocol());
      socket_.bind({asio::ip::make_address(from), 0});
    }
    socket_.connect(endpoint);
    timeval tv{3, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  http::response<http::string_body> read() {
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res;
  }

  // True when the server closed the connection (after any response already read).
  bool closed() {
    boost::system::error_code ec;
    char c;
    if (buffer_.size() > 0) return false;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  http::response<http::string_body> exchange(std::string_view bytes) {
    send(bytes);
    return read();
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// The request line and headers of `r` (signed or not), then its body.
inline std::string wire(const http_request& r) {
  std::string out = r.method + " " + r.target + " HTTP/1.1\r\n";
  for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
  if (!r.headers.count("content-length") && !r.body.empty()) out += "content-length: " + std::to_string(r.body.size()) + "\r\n";
  out += "\r\n" + r.body;
  return out;
}

}  // namespace mfrelay::relay::test
