// What the smtp_client tests share: an io_context, the client TLS context, short
// timeouts, and messages to send. Test code only; the test's thread.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <vector>

#include "relay/delivery/client_tls_context.hpp"
#include "relay/delivery/smtp_client.hpp"
#include "support/test_io.hpp"

namespace mfrelay::relay::test {

struct client_fixture {
  boost::asio::io_context io;
  boost::asio::ssl::context tls = make_client_tls_context();

  smtp_client_settings settings(std::uint16_t port) const {
    smtp_client_settings s;
    s.server = {"127.0.0.1", port};
    s.helo_name = "relay.test";
    s.connect_timeout = std::chrono::seconds(2);
    s.command_timeout = std::chrono::seconds(2);
    s.data_timeout = std::chrono::seconds(2);
    return s;
  }

  transaction_result deliver(smtp_client& client, outgoing_message m) {
    return run_awaitable(io, client.deliver(std::move(m)));
  }
  void quit(smtp_client& client) { run_awaitable(io, client.quit()); }
};

inline outgoing_message message(std::vector<std::string> recipients, std::string content,
                                std::string return_path = "rp@bounce.example") {
  outgoing_message m;
  m.return_path = std::move(return_path);
  m.recipients = std::move(recipients);
  m.content = std::move(content);
  return m;
}

// A loopback port with nothing listening (bound, then released).
inline std::uint16_t closed_port(boost::asio::io_context& io) {
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

}  // namespace mfrelay::relay::test
