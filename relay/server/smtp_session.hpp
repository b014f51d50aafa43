// One SMTP server session: a coroutine that owns its connection and drives the
// I/O-free smtp::session_machine (reads, writes, STARTTLS, AUTH off-thread,
// policy at MAIL and at the end of DATA, streaming DATA into the spool and
// answering 250 only once the message is durable). Runs on the connection's
// own strand. Everything the client sends is untrusted.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>

#include "policy/config.hpp"
#include "relay/server/session_services.hpp"

namespace mfrelay::relay {

// How the daemon's stop reaches one running session. The listener makes one per
// connection and keeps it in its session_group; request_stop() and cut() may be
// called from any thread and take effect on the session's strand.
class session_control : public std::enable_shared_from_this<session_control> {
 public:
  explicit session_control(boost::asio::any_io_executor strand) : strand_(std::move(strand)) {}

  // Finish the command in hand (a message in DATA gets its final reply), then
  // answer 421 4.3.2 and close. A session between commands closes at once.
  void request_stop();
  // Close the connection now, whatever it is doing: nothing more is acknowledged.
  void cut();

  // For the session, on its strand: whether a stop was asked for, and what to
  // call when it is (wake: end a wait for the next command; cut: close).
  bool stop_requested() const { return stop_requested_; }
  void attach(std::function<void()> wake, std::function<void()> cut);
  void detach();

 private:
  boost::asio::any_io_executor strand_;
  bool stop_requested_ = false;
  bool cut_requested_ = false;
  std::function<void()> wake_, cut_;
};

boost::asio::awaitable<void> run_smtp_session(boost::asio::ip::tcp::socket socket, policy::listener_settings listener,
                                              session_services& services, std::shared_ptr<session_control> control);

}  // namespace mfrelay::relay
