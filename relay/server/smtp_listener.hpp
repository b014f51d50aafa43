// One [[listener]]: binds its address and accepts connections, giving each its
// own strand and session coroutine. Accept errors (EMFILE, ...) are logged,
// backed off and survived. Started and stopped on the daemon's io_context.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "policy/config.hpp"
#include "relay/server/session_services.hpp"

namespace mfrelay::relay {

class smtp_listener {
 public:
  // Binds now (throws std::runtime_error naming the address on failure), so a
  // busy port stops start-up with a clear message.
  smtp_listener(boost::asio::io_context& io, policy::listener_settings settings, session_services& services);

  boost::asio::awaitable<void> accept_loop();
  void stop();  // no new connections; running sessions go on

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  const policy::listener_settings& settings() const { return settings_; }

 private:
  boost::asio::io_context& io_;
  policy::listener_settings settings_;
  session_services& services_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace mfrelay::relay
