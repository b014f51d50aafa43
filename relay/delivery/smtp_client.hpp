// The delivery client: one SMTP session to the smarthost, reused message after
// message (EHLO or HELO, STARTTLS opportunistic or required, or implicit TLS; the
// certificate verified when asked; AUTH PLAIN or LOGIN, only over TLS; pipelined
// MAIL/RCPT/DATA).
// One coroutine at a time, on the executor it was made with (a strand); abort() may be
// called on that executor while deliver() waits. Replies are untrusted; every verdict
// comes from delivery_trouble.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/config.hpp"
#include "policy/host_port.hpp"
#include "policy/time.hpp"
#include "relay/delivery/delivery_trouble.hpp"
#include "relay/delivery/delivery_verdict.hpp"
#include "relay/delivery/ehlo_capabilities.hpp"
#include "relay/delivery/upstream_connection.hpp"

namespace mfrelay::relay {

struct smtp_client_settings {
  policy::host_port server{"127.0.0.1", 25};
  // The server's name when `server` holds an address found for it (an MX host):
  // for SNI, the certificate check and the logs. Empty: server.host.
  std::string server_name;
  std::string helo_name = "localhost";  // EHLO/HELO argument
  bool require_tls = false;             // no STARTTLS, or it fails: defer
  // starttls: when offered (required with require_tls or credentials); implicit: TLS
  // from the first byte (port 465); none: never, not even when offered.
  policy::tls_mode tls = policy::tls_mode::starttls;
  bool verify_certificate = false;  // the chain (the context's trust store) and server.host, or defer
  std::string username;             // AUTH when not empty; refused, unless TLS is up
  std::string password;             // never logged, never in a verdict
  policy::duration connect_timeout = std::chrono::seconds(30);
  policy::duration command_timeout = std::chrono::minutes(5);  // each command's write and reply
  policy::duration data_timeout = std::chrono::minutes(10);    // sending the content, and the reply to "."
  // Transactions (MAIL FROM) per session; once reached, QUIT right after the last
  // one, and the next deliver() opens a new session. 0: no limit.
  std::uint32_t max_transactions = 0;
};

struct outgoing_message {
  std::string return_path;              // MAIL FROM, without <>; empty: the null sender
  std::vector<std::string> recipients;  // RCPT TO, without <>, in order
  std::string content;                  // as stored: CRLF lines, not dot-stuffed
};

struct transaction_result {
  std::vector<recipient_outcome> recipients;  // one per outgoing_message::recipients, same order
  std::string remote_address;                 // the server's IP address; empty when none was reached
  // No session came about (connect, greeting, EHLO, STARTTLS, TLS or AUTH failed):
  // the server saw no transaction, so another MX host may be tried at once.
  bool session_failed = false;
};

class smtp_client {
 public:
  smtp_client(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls, smtp_client_settings settings);
  smtp_client(const smtp_client&) = delete;
  smtp_client& operator=(const smtp_client&) = delete;

  // Opens a session when none is open, sends RSET when the last transaction failed,
  // then one transaction. Network trouble never throws: it becomes verdicts. When a
  // reused session turns out to be dead before the server accepted anything (it
  // timed us out while idle), one fresh session is tried at once.
  boost::asio::awaitable<transaction_result> deliver(outgoing_message message);

  // QUIT and close; nothing when not connected. Never throws for network trouble.
  boost::asio::awaitable<void> quit();

  // Closes the connection now; a deliver() in progress ends with every recipient
  // not yet decided deferred.
  void abort() noexcept;

  bool connected() const noexcept;
  bool tls_active() const noexcept { return connection_.tls_active(); }
  const ehlo_capabilities& capabilities() const noexcept { return capabilities_; }
  std::uint64_t sessions_opened() const noexcept { return sessions_; }
  const std::string& peer() const noexcept { return peer_; }  // "host[ip]:port"

 private:
  struct failure {  // thrown inside, caught by deliver(): the connection is done for
    delivery_verdict verdict;
  };

  boost::asio::awaitable<void> open_session();
  boost::asio::awaitable<void> hello();
  boost::asio::awaitable<void> handshake();
  boost::asio::awaitable<void> authenticate();
  boost::asio::awaitable<void> reset();
  boost::asio::awaitable<void> transact(const outgoing_message& message, transaction_result& result);
  boost::asio::awaitable<void> goodbye();

  boost::asio::awaitable<void> send(std::string_view bytes, smtp_stage stage, policy::duration timeout);
  boost::asio::awaitable<upstream_reply> receive(smtp_stage stage, policy::duration timeout);
  boost::asio::awaitable<upstream_reply> command(std::string_view line, smtp_stage stage);

  std::string mail_command(const outgoing_message& message) const;
  void set_peer();

  boost::asio::ssl::context& tls_;
  smtp_client_settings settings_;
  upstream_connection connection_;
  ehlo_capabilities capabilities_;
  std::string peer_;
  bool session_ = false;    // greeting, EHLO and TLS done
  bool need_rset_ = false;  // the last transaction did not end with a 2xx to "."
  bool aborted_ = false;    // abort() was called during this deliver()
  int progress_ = 0;        // replies (other than 421) received in this deliver() round
  std::uint64_t sessions_ = 0;
  std::uint32_t transactions_ = 0;  // on this session
};

}  // namespace mfrelay::relay
