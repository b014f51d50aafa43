// An SMTP server on 127.0.0.1 that follows a script: for each accepted connection
// the next session script, each step "expect exactly these bytes, then answer this".
// It records every mismatch, so a test can pin the exact commands (pipelined batches
// and dot-stuffed data included). Runs on the test's io_context; test code only.
#pragma once
#include <doctest/doctest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mfrelay::relay::test {

struct script_step {
  enum action {
    proceed,     // on to the next step
    close,       // close the connection (after the reply, if any)
    start_tls,   // server-side TLS handshake (after the reply), then on
    wait_close,  // say nothing more; wait for the client to close (up to 10 s)
  };
  std::string expect;  // the exact bytes the client must send next; "" = none
  std::string reply;   // sent once they arrived; "" = nothing
  action then = proceed;
};
using session_script = std::vector<script_step>;

// A script step in a line: step("MAIL FROM:<a>\r\n", "250 Ok\r\n").
inline script_step step(std::string expect, std::string reply, script_step::action then = script_step::proceed) {
  script_step s;
  s.expect = std::move(expect);
  s.reply = std::move(reply);
  s.then = then;
  return s;
}

inline std::string escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

class scripted_smtp_server {
 public:
  scripted_smtp_server(boost::asio::io_context& io, std::vector<session_script> sessions,
                       boost::asio::ssl::context* tls = nullptr)
      : io_(io),
        acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        sessions_(std::move(sessions)),
        tls_(tls) {
    transcripts_.resize(sessions_.size());
    boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
  }
  ~scripted_smtp_server() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::size_t accepted() const { return accepted_; }
  std::size_t finished() const { return finished_; }
  bool done() const { return finished_ == sessions_.size(); }
  const std::vector<std::string>& failures() const { return failures_; }
  const std::string& transcript(std::size_t session) const { return transcripts_.at(session); }

 private:
  using tcp = boost::asio::ip::tcp;
  struct connection {
    std::optional<boost::beast::tcp_stream> plain;
    std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls;
    boost::beast::tcp_stream& lowest() { return tls ? tls->next_layer() : *plain; }
  };

  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      std::size_t index = accepted_++;
      if (index >= sessions_.size()) {
        failures_.push_back("connection " + std::to_string(index + 1) + " was not scripted");
        continue;  // the socket closes
      }
      boost::asio::co_spawn(io_, serve(std::move(socket), index), boost::asio::detached);
    }
  }

  boost::asio::awaitable<std::size_t> read_more(connection& c, std::string& in) {
    char chunk[4096];
    c.lowest().expires_after(std::chrono::seconds(10));
    boost::system::error_code ec;
    std::size_t n = 0;
    if (c.tls) {
      std::tie(ec, n) = co_await c.tls->async_read_some(boost::asio::buffer(chunk),
                                                        boost::asio::as_tuple(boost::asio::use_awaitable));
    } else {
      std::tie(ec, n) = co_await c.plain->async_read_some(boost::asio::buffer(chunk),
                                                          boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    in.append(chunk, n);
    co_return ec ? 0 : n;
  }

  boost::asio::awaitable<void> send(connection& c, const std::string& bytes) {
    c.lowest().expires_after(std::chrono::seconds(10));
    if (c.tls) {
      co_await boost::asio::async_write(*c.tls, boost::asio::buffer(bytes),
                                        boost::asio::as_tuple(boost::asio::use_awaitable));
    } else {
      co_await boost::asio::async_write(*c.plain, boost::asio::buffer(bytes),
                                        boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  }

  boost::asio::awaitable<void> serve(tcp::socket socket, std::size_t index) {
    connection c;
    boost::system::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    c.plain.emplace(std::move(socket));
    std::string in;
    std::string& transcript = transcripts_[index];
    const session_script& script = sessions_[index];
    std::string where = "session " + std::to_string(index + 1);
    for (std::size_t k = 0; k < script.size(); ++k) {
      const script_step& s = script[k];
      std::string at = where + " step " + std::to_string(k + 1);
      while (in.size() < s.expect.size()) {
        std::size_t before = in.size();
        std::size_t n = co_await read_more(c, in);
        transcript.append(in, before, std::string::npos);
        if (n == 0) {
          failures_.push_back(at + ": expected \"" + escaped(s.expect) + "\", got \"" + escaped(in) +
                              "\" and then the connection ended or stalled");
          co_return;
        }
      }
      if (in.compare(0, s.expect.size(), s.expect) != 0) {
        failures_.push_back(at + ": expected \"" + escaped(s.expect) + "\", got \"" + escaped(in) + "\"");
        co_return;
      }
      in.erase(0, s.expect.size());
      if (!s.reply.empty()) co_await send(c, s.reply);
      if (s.then == script_step::close) {
        boost::system::error_code ignored;
        c.lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        c.lowest().close();
        break;
      }
      if (s.then == script_step::start_tls) {
        if (!in.empty()) failures_.push_back(at + ": the client sent bytes before the TLS handshake");
        c.tls.emplace(std::move(*c.plain), *tls_);
        c.plain.reset();
        c.lowest().expires_after(std::chrono::seconds(10));
        auto [ec] = co_await c.tls->async_handshake(boost::asio::ssl::stream_base::server,
                                                    boost::asio::as_tuple(boost::asio::use_awaitable));
        if (ec) {
          failures_.push_back(at + ": TLS handshake failed: " + ec.message());
          co_return;
        }
        ++tls_sessions_;
      }
      if (s.then == script_step::wait_close || k + 1 == script.size()) {
        // The script is over: anything more the client sends is a mistake.
        for (;;) {
          std::size_t before = in.size();
          std::size_t n = co_await read_more(c, in);
          transcript.append(in, before, std::string::npos);
          if (n == 0) break;
        }
        if (!in.empty()) failures_.push_back(where + ": unexpected bytes after the script: \"" + escaped(in) + "\"");
        break;
      }
    }
    ++finished_;
  }

 public:
  std::size_t tls_sessions() const { return tls_sessions_; }

 private:
  boost::asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::vector<session_script> sessions_;
  boost::asio::ssl::context* tls_;
  std::vector<std::string> transcripts_;
  std::vector<std::string> failures_;
  std::size_t accepted_ = 0;
  std::size_t finished_ = 0;
  std::size_t tls_sessions_ = 0;
};

// The smarthost's side of the usual opening and close, as client_fixture's client
// (EHLO relay.test) meets it.
inline const std::string greeting = "220 smarthost.test ESMTP\r\n";
inline const std::string ehlo = "EHLO relay.test\r\n";
inline const std::string quit = "QUIT\r\n";
inline const std::string bye = "221 2.0.0 Bye\r\n";

// Every way the client strayed from the script, as a test failure.
inline void check_script(const scripted_smtp_server& server) {
  for (const auto& f : server.failures()) FAIL_CHECK(f);
}

}  // namespace mfrelay::relay::test
