// One [[listener]]: binds its address and accepts connections, giving each its
// own strand and session coroutine. Accept errors (EMFILE, ...) are logged,
// backed off and survived. Started and stopped on the daemon's io_context.
// The session_group holds every session of every listener, so that the
// daemon's stop can reach them (STYLE.md: signal -> stop accepting -> let
// sessions finish their reply -> cancel the rest).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>

#include "policy/config.hpp"
#include "relay/server/session_services.hpp"
#include "relay/server/smtp_session.hpp"

namespace mfrelay::relay {

// Listeners join() a session when they spawn it and leave() when it ends (any
// thread); the daemon asks them all to stop, waits, and cuts the rest.
class session_group {
 public:
  explicit session_group(boost::asio::any_io_executor ex);

  std::shared_ptr<session_control> join(boost::asio::any_io_executor session_strand);
  void leave(const std::shared_ptr<session_control>& control);

  void request_stop();  // each session: finish the command in hand, then 421 4.3.2
  void cut();           // each session: close now
  std::size_t size() const;
  // True once every session has left; false when `limit` passed first.
  boost::asio::awaitable<bool> wait_empty(std::chrono::steady_clock::duration limit);

 private:
  boost::asio::awaitable<bool> wait_on_strand(std::chrono::steady_clock::time_point deadline);

  mutable std::mutex mutex_;
  std::set<std::shared_ptr<session_control>> sessions_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer emptied_;  // on strand_: cancelled when the last session leaves
};

class smtp_listener {
 public:
  // Binds now (throws std::runtime_error naming the address on failure), so a
  // busy port stops start-up with a clear message.
  smtp_listener(boost::asio::io_context& io, policy::listener_settings settings, session_services& services,
                session_group& sessions);

  boost::asio::awaitable<void> accept_loop();
  void stop();  // no new connections; running sessions go on (session_group stops them)

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  const policy::listener_settings& settings() const { return settings_; }

 private:
  boost::asio::io_context& io_;
  policy::listener_settings settings_;
  session_services& services_;
  session_group& sessions_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace mfrelay::relay
