// One client connection of the SMTP server: plain TCP that may become TLS
// (STARTTLS, or from the start on an implicit-TLS listener), with a deadline
// on every read, write and handshake. Used by one session coroutine on its
// own strand. Carries untrusted bytes; it never interprets them.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mfrelay::relay {

class smtp_connection {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  // The socket's executor must be the session's strand: the read deadline's timer runs there.
  explicit smtp_connection(socket_type socket);
  ~smtp_connection();
  smtp_connection(const smtp_connection&) = delete;  // the deadline's handler knows it by address
  smtp_connection& operator=(const smtp_connection&) = delete;

  // Up to `max_bytes` read (appended to `buffer`), or 0 on end of stream, a
  // timeout, interrupt_read(), a reset or a TLS error: all of them end the
  // session. `timed_out` is true for a timeout and for interrupt_read().
  boost::asio::awaitable<std::size_t> read_some(std::string& buffer, std::size_t max_bytes,
                                                std::chrono::milliseconds timeout, bool& timed_out);
  // Ends a pending read_some() now, as its timeout would (the connection stays
  // usable for a last reply). On the session's strand.
  void interrupt_read();
  // Closes the socket now: pending reads and writes fail. On the session's strand.
  void cut();
  // False when the peer went away or did not take the bytes in time.
  boost::asio::awaitable<bool> write(std::string_view bytes, std::chrono::milliseconds timeout);
  // Server-side handshake; false on failure.
  boost::asio::awaitable<bool> start_tls(boost::asio::ssl::context& context, std::chrono::milliseconds timeout);
  // Best effort: TLS close_notify, then shut the socket.
  boost::asio::awaitable<void> close();

  bool tls() const { return tls_.has_value(); }
  std::string tls_version() const;  // "TLSv1.3", or "" without TLS
  std::string tls_cipher() const;

 private:
  boost::beast::tcp_stream& tcp();

  // Ends the read under way: the socket's pending operations are cancelled.
  void expire_read();

  // The deadline of the read under way, shared with the timer's handler, which
  // may run after this connection is gone (a timer's completion can be queued
  // already when it is cancelled or destroyed): `owner` is cleared then.
  struct read_deadline {
    smtp_connection* owner = nullptr;
    std::uint64_t generation = 0;  // of the read it belongs to
    bool armed = false;            // a read is under way
    bool fired = false;            // the deadline (or interrupt_read) ended it
  };

  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  // One timer for every read of the connection, not one per read racing the
  // read through a parallel group: that cost two coroutine frames and a group
  // per command, a fifth of the relay's CPU under load.
  boost::asio::steady_timer read_timer_;
  std::shared_ptr<read_deadline> deadline_;
};

}  // namespace mfrelay::relay
