#include "relay/server/smtp_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
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

session_group::session_group(asio::any_io_executor ex) : strand_(asio::make_strand(ex)), emptied_(strand_) {}

std::shared_ptr<session_control> session_group::join(asio::any_io_executor session_strand) {
  auto control = std::make_shared<session_control>(std::move(session_strand));
  std::lock_guard lock(mutex_);
  sessions_.insert(control);
  return control;
}

void session_group::leave(const std::shared_ptr<session_control>& control) {
  std::lock_guard lock(mutex_);
  sessions_.erase(control);
  if (sessions_.empty()) asio::post(strand_, [this] { emptied_.cancel(); });
}

void session_group::request_stop() {
  std::lock_guard lock(mutex_);
  for (const auto& s : sessions_) s->request_stop();
}

void session_group::cut() {
  std::lock_guard lock(mutex_);
  for (const auto& s : sessions_) s->cut();
}

std::size_t session_group::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

asio::awaitable<bool> session_group::wait_empty(std::chrono::steady_clock::duration limit) {
  // The timer lives on strand_, where leave() cancels it: the wait runs there too.
  co_return co_await asio::co_spawn(strand_, wait_on_strand(std::chrono::steady_clock::now() + limit),
                                    asio::use_awaitable);
}

asio::awaitable<bool> session_group::wait_on_strand(std::chrono::steady_clock::time_point deadline) {
  // leave() posts its cancel to this strand, so it cannot slip in between the
  // check and the wait; an early cancel only means one more look at the count.
  while (size() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    emptied_.expires_at(deadline);
    co_await emptied_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return true;
}

smtp_listener::smtp_listener(asio::io_context& io, policy::listener_settings settings, session_services& services,
                             session_group& sessions)
    : io_(io), settings_(std::move(settings)), services_(services), sessions_(sessions), acceptor_(io) {
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
    auto control = sessions_.join(executor);
    asio::co_spawn(executor, run_smtp_session(std::move(socket), settings_, services_, control),
                   [&sessions = sessions_, control](std::exception_ptr e) {
      sessions.leave(control);
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
