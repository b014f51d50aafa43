#include "relay/server/smtp_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "relay/server/smtp_session.hpp"

namespace mfrelay::relay {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

tcp::endpoint resolve_endpoint(const policy::host_port& address) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (!ec) return {ip, address.port};
  if (address.host == "localhost") return {asio::ip::address_v4::loopback(), address.port};
  throw std::runtime_error("listener address " + address.str() + ": the host must be an IP address");
}

}  // namespace

smtp_listener::smtp_listener(asio::io_context& io, policy::listener_settings settings, session_services& services)
    : io_(io), settings_(std::move(settings)), services_(services), acceptor_(io) {
  tcp::endpoint endpoint = resolve_endpoint(settings_.address);
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("listener '" + settings_.name + "' cannot listen on " + settings_.address.str() + ": " +
                             ec.message());
}

tcp::endpoint smtp_listener::local_endpoint() const { return acceptor_.local_endpoint(); }

void smtp_listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> smtp_listener::accept_loop() {
  spdlog::info("listener '{}' on {}", settings_.name, settings_.address.str());
  asio::steady_timer backoff(io_);
  for (;;) {
    // Each connection gets its own strand: its session never needs a lock.
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // Out of descriptors or memory: keep the listener alive, try again shortly.
      spdlog::warn("listener '{}': accept: {}", settings_.name, ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_smtp_session(std::move(socket), settings_, services_), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("session ended by an error: {}", ex.what());
      }
    });
  }
}

}  // namespace mfrelay::relay
