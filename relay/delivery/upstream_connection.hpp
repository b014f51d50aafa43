// One TCP connection to the upstream SMTP server, plain or (after STARTTLS) TLS:
// a deadline on every operation, replies read through parse_reply. One coroutine
// at a time on the executor it was made with (a strand); close() may be called on
// that executor while an operation is pending. Every received byte is untrusted.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "policy/host_port.hpp"
#include "policy/time.hpp"
#include "relay/delivery/upstream_reply.hpp"

namespace mfrelay::relay {

class upstream_connection {
 public:
  struct read_result {
    boost::system::error_code error;  // I/O trouble or beast::error::timeout
    bool malformed = false;           // the bytes were not an SMTP reply
    upstream_reply reply;             // when neither
  };

  explicit upstream_connection(boost::asio::any_io_executor ex);
  ~upstream_connection();
  upstream_connection(const upstream_connection&) = delete;
  upstream_connection& operator=(const upstream_connection&) = delete;

  // Closes any previous connection. Resolves `server.host` unless it is an IP
  // address and connects to the first address that answers, all within `timeout`.
  boost::asio::awaitable<boost::system::error_code> connect(policy::host_port server, policy::duration timeout);

  // `bytes` must stay valid until the write completes.
  boost::asio::awaitable<boost::system::error_code> write(std::string_view bytes, policy::duration timeout);

  boost::asio::awaitable<read_result> read_reply(policy::duration timeout);

  // Throws away whatever the server sent after its 220 (RFC 3207 5: nothing may
  // follow it; a man in the middle could have), then the client handshake.
  // `server_name` goes into SNI unless it is an IP address or empty. With
  // `verify`, the handshake fails unless the certificate chains to the context's
  // trust store and names `server_name` (a DNS name, or an IP address).
  // Also for implicit TLS, right after connect().
  boost::asio::awaitable<boost::system::error_code> start_tls(boost::asio::ssl::context& ctx, std::string server_name,
                                                              policy::duration timeout, bool verify = false);

  // After a failed verifying handshake: OpenSSL's reason ("hostname mismatch",
  // "unable to get local issuer certificate"); empty when the certificate was not why.
  std::string verify_error() const;

  // Closes the socket at once; a pending operation completes with operation_aborted.
  void close() noexcept;

  bool is_open() const noexcept;
  bool tls_active() const noexcept;
  const std::string& remote_ip() const noexcept { return remote_ip_; }

 private:
  struct streams;
  boost::asio::any_io_executor ex_;
  std::unique_ptr<streams> streams_;
  std::string in_;  // received, not yet parsed
  std::string remote_ip_;
};

}  // namespace mfrelay::relay
