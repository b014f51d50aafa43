// One delivery session to one destination, reused message after message: to a
// smarthost (its configured address), or to a recipient domain's MX hosts (looked
// up when a session is needed, tried in the order mx_plan gives, each address of
// each host, until one holds a session: a refused connection, a 4xx/5xx greeting
// or a failed EHLO/TLS moves to the next). Opportunistic STARTTLS to MX hosts, no
// certificate check; require_tls defers when a host offers none. With
// mx_host_slots, a connection to an MX host address first takes one of that
// address's slots ([delivery] connections_per_host), waiting for one if need be,
// and gives it back when the connection closes.
// One coroutine at a time on the executor it was made with (a strand); abort() on
// that executor. DNS answers and replies are untrusted.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "dns/resolver.hpp"
#include "relay/delivery/delivery_destination.hpp"
#include "relay/delivery/mx_host_slots.hpp"
#include "relay/delivery/mx_plan.hpp"
#include "relay/delivery/smtp_client.hpp"

namespace mfrelay::relay {

class destination_client {
 public:
  // `base`: helo name, timeouts (server and TLS fields are set here from
  // `destination`). `resolver` is needed for an MX destination only and must then
  // not be null; `tls`, `resolver` and `slots` outlive the client. `slots`: null
  // for no per-host limit.
  destination_client(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls, delivery_destination destination,
                     smtp_client_settings base, std::uint16_t mx_port, dns::resolver* resolver, mx_random random,
                     mx_host_slots* slots = nullptr);
  ~destination_client();
  destination_client(const destination_client&) = delete;
  destination_client& operator=(const destination_client&) = delete;

  // As smtp_client::deliver; an MX destination whose DNS decides (null MX,
  // NXDOMAIN, lookup trouble) gets that verdict for every recipient.
  boost::asio::awaitable<transaction_result> deliver(outgoing_message message);
  boost::asio::awaitable<void> quit();
  void abort() noexcept;
  const std::string& peer() const noexcept { return peer_; }
  // The MX host address whose slot this client holds ("" when none: no connection).
  const std::string& mx_address() const noexcept { return held_; }

 private:
  smtp_client& client_for(const std::string& address, const std::string& name);
  boost::asio::awaitable<transaction_result> deliver_mx(outgoing_message message);
  void release_slot() noexcept;
  void release_slot_if_closed() noexcept;

  // At most this many addresses per attempt (Postfix's smtp_mx_address_limit).
  static constexpr std::size_t max_addresses = 5;

  boost::asio::any_io_executor ex_;
  boost::asio::ssl::context& tls_;
  delivery_destination destination_;
  smtp_client_settings settings_;
  std::uint16_t mx_port_;
  dns::resolver* resolver_;
  mx_random random_;
  mx_host_slots* slots_;
  boost::asio::steady_timer slot_wait_;
  std::string held_;
  std::optional<smtp_client> client_;
  std::string peer_;
  bool aborted_ = false;
};

}  // namespace mfrelay::relay
