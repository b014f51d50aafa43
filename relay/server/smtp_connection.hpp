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
#include <optional>
#include <string>
#include <string_view>

namespace mfrelay::relay {

class smtp_connection {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  explicit smtp_connection(socket_type socket);

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

  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  boost::asio::steady_timer* read_timer_ = nullptr;  // of the read_some() under way
};

}  // namespace mfrelay::relay
