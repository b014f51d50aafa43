// A small behaving SMTP server on 127.0.0.1 for the delivery queue's tests: answers
// each command as a test's rules say (per recipient, per message), keeps what it
// accepted. Plain TCP, PIPELINING-safe (answers in order). Runs on the test's
// io_context; test code only.
#pragma once
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mfrelay::relay::test {

struct accepted_message {
  std::string mail_from;                // the MAIL command's argument, as sent
  std::vector<std::string> recipients;  // RCPT TO addresses accepted, without <>
  std::string content;                  // after un-stuffing, without the final ".\r\n"
  std::size_t session = 0;              // 1-based connection number
};

class fake_smarthost {
 public:
  explicit fake_smarthost(boost::asio::io_context& io)
      : io_(io), acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
  }
  ~fake_smarthost() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // The rules; the defaults accept everything.
  std::string ehlo_reply = "250-fake.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
  std::function<std::string(const std::string& address)> rcpt_reply = [](const std::string&) {
    return std::string("250 2.1.5 Ok\r\n");
  };
  std::function<std::string(const accepted_message&)> data_reply = [](const accepted_message&) {
    return std::string("250 2.0.0 Ok: queued\r\n");
  };

  // What happened.
  std::vector<accepted_message> messages;  // each got 2xx after "."
  std::vector<std::string> commands;       // every command line, in order
  std::size_t sessions = 0;
  std::size_t quits = 0;
  std::size_t open = 0;  // connections open now

 private:
  using tcp = boost::asio::ip::tcp;

  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      boost::asio::co_spawn(io_, serve(std::move(socket), ++sessions), boost::asio::detached);
    }
  }

  static boost::asio::awaitable<bool> write(tcp::socket& s, std::string bytes) {
    auto [ec, n] = co_await boost::asio::async_write(s, boost::asio::buffer(bytes),
                                                     boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return !ec;
  }

  // The next CRLF-terminated line (without it), or false at end of input.
  static boost::asio::awaitable<bool> read_line(tcp::socket& s, std::string& in, std::string& line) {
    for (;;) {
      auto crlf = in.find("\r\n");
      if (crlf != std::string::npos) {
        line = in.substr(0, crlf);
        in.erase(0, crlf + 2);
        co_return true;
      }
      char chunk[4096];
      auto [ec, n] =
          co_await s.async_read_some(boost::asio::buffer(chunk), boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return false;
      in.append(chunk, n);
    }
  }

  static std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return s;
  }

  static std::string between_brackets(const std::string& s) {
    auto open_at = s.find('<');
    auto close_at = s.find('>', open_at);
    if (open_at == std::string::npos || close_at == std::string::npos) return s;
    return s.substr(open_at + 1, close_at - open_at - 1);
  }

  boost::asio::awaitable<void> serve(tcp::socket s, std::size_t session) {
    ++open;
    boost::system::error_code nodelay_ec;
    s.set_option(tcp::no_delay(true), nodelay_ec);
    std::string in, line;
    accepted_message current;
    current.session = session;
    bool in_transaction = false;
    if (!co_await write(s, "220 fake.test ESMTP\r\n")) {
      --open;
      co_return;
    }
    while (co_await read_line(s, in, line)) {
      commands.push_back(line);
      std::string verb = upper(line.substr(0, 4));
      std::string reply;
      if (verb == "EHLO") {
        reply = ehlo_reply;
      } else if (verb == "HELO" || verb == "NOOP") {
        reply = "250 Ok\r\n";
      } else if (verb == "RSET") {
        current = accepted_message{};
        current.session = session;
        in_transaction = false;
        reply = "250 2.0.0 Ok\r\n";
      } else if (verb == "MAIL") {
        current.mail_from = line.substr(10);
        in_transaction = true;
        reply = "250 2.1.0 Ok\r\n";
      } else if (verb == "RCPT") {
        std::string address = between_brackets(line);
        reply = in_transaction ? rcpt_reply(address) : "503 5.5.1 Error: need MAIL command\r\n";
        if (reply[0] == '2') current.recipients.push_back(address);
      } else if (verb == "DATA") {
        if (current.recipients.empty()) {
          reply = "554 5.5.1 Error: no valid recipients\r\n";
        } else {
          if (!co_await write(s, "354 End data with <CR><LF>.<CR><LF>\r\n")) break;
          std::string content;
          bool ended = false;
          while (co_await read_line(s, in, line)) {
            if (line == ".") {
              ended = true;
              break;
            }
            content += (!line.empty() && line[0] == '.' ? line.substr(1) : line) + "\r\n";
          }
          if (!ended) break;
          current.content = std::move(content);
          reply = data_reply(current);
          if (reply[0] == '2') messages.push_back(current);
          current = accepted_message{};
          current.session = session;
          in_transaction = false;
        }
      } else if (verb == "QUIT") {
        ++quits;
        co_await write(s, "221 2.0.0 Bye\r\n");
        break;
      } else {
        reply = "502 5.5.2 Error: command not recognized\r\n";
      }
      bool closing = reply.starts_with("421");
      if (!co_await write(s, reply)) break;
      if (closing) break;
    }
    boost::system::error_code ignored;
    s.shutdown(tcp::socket::shutdown_both, ignored);
    s.close(ignored);
    --open;
  }

  boost::asio::io_context& io_;
  tcp::acceptor acceptor_;
};

}  // namespace mfrelay::relay::test
