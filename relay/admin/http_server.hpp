// The admin API's HTTP/1.1 server (Beast): a coroutine per connection on its own strand,
// connection limits (in all and per client address), deadlines, Host allowlist, then admin_gate. Construct, start(), shutdown() on the daemon's
// io_context; stop() from any thread. All client bytes are untrusted; no Authorization or body is logged.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/time.hpp"
#include "relay/admin/admin_backend.hpp"
#include "relay/admin/admin_gate.hpp"

namespace mfrelay::relay {

namespace detail {
struct http_registry;
struct http_connection;
class registration;
}

struct http_server_options {
  std::size_t header_limit = 16 * 1024;                      // request line and headers; over it: 431
  policy::duration request_timeout = std::chrono::seconds(30);  // reading a body, writing a response
  std::function<policy::timestamp()> clock;                  // for SigV4 and Date; empty: the wall clock
  console_handler console;                                   // /console/; empty: not served
};

class http_server {
 public:
  // Binds [admin] address now (throws std::runtime_error naming it on failure).
  // Read once, here: address, allowed_hosts (empty: the address itself and
  // localhost / 127.0.0.1 / [::1] with the bound port), max_body_bytes and the
  // connection limits. Keys are read per request (see admin_gate).
  //
  // Slow or idle clients must not starve the others (a client that sends a
  // partial request line and reconnects, or fifty keep-alive pools): a request
  // line and headers must arrive whole within header_timeout of their first
  // byte (of the connection, for the first request); a kept-alive connection
  // waits idle_timeout for the next one; one address holds at most
  // max_connections_per_client. When a limit is reached, the connection that
  // has waited longest between requests (for that address, or any) is closed
  // to make room; only when none is between requests is the newcomer refused.
  http_server(boost::asio::io_context& io, admin_backend& backend, http_handler handler,
              http_server_options options = {});
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  void start();  // accepts from now on; call once

  // Graceful: accepts no more; idle connections close now, a busy one finishes the
  // response it is working on (sent with Connection: close) and closes. Any thread.
  void stop();

  // stop(), then waits until every connection has closed, at most `grace`; closes
  // what is left. Destroy the server only after this completed (or after its
  // io_context stopped for good).
  boost::asio::awaitable<void> shutdown(policy::duration grace = std::chrono::seconds(5));

  boost::asio::ip::tcp::endpoint local_endpoint() const { return endpoint_; }
  std::size_t connections() const;
  const std::vector<std::string>& allowed_hosts() const { return allowed_hosts_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> run_session(std::shared_ptr<detail::http_connection> conn,
                                           std::unique_ptr<detail::registration> registered);
  boost::asio::awaitable<void> wait_for_connections(std::chrono::steady_clock::time_point deadline);
  bool host_allowed(std::string_view host) const;
  void close_connections(bool idle_only);
  bool admit(const std::string& client);  // acceptor strand; makes room or says no

  boost::asio::io_context& io_;
  http_server_options options_;
  admin_gate gate_;
  std::uint64_t max_body_bytes_;
  policy::admin_settings limits_;  // max_connections*, header_timeout, idle_timeout
  boost::asio::strand<boost::asio::io_context::executor_type> acceptor_strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::vector<std::string> allowed_hosts_;  // lower case
  std::shared_ptr<detail::http_registry> registry_;  // shared with the sessions, which may outlive a stopped server
};

}  // namespace mfrelay::relay
