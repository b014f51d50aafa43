#include "relay/server/smtp_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>
#include <tuple>

namespace mfrelay::relay {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace {
constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

smtp_connection::smtp_connection(socket_type socket)
    : read_timer_(socket.get_executor()), deadline_(std::make_shared<read_deadline>()) {
  deadline_->owner = this;
  plain_.emplace(std::move(socket));
}

smtp_connection::~smtp_connection() { deadline_->owner = nullptr; }

beast::tcp_stream& smtp_connection::tcp() { return tls_ ? tls_->next_layer() : *plain_; }

asio::awaitable<std::size_t> smtp_connection::read_some(std::string& buffer, std::size_t max_bytes,
                                                        std::chrono::milliseconds timeout, bool& timed_out) {
  std::size_t old = buffer.size();
  buffer.resize(old + max_bytes);
  // Not tcp_stream's own deadline: when it expires it closes the socket, and the
  // session could no longer say "421 4.4.2 timeout exceeded". Our timer cancels
  // only the read.
  tcp().expires_never();
  const std::uint64_t generation = ++deadline_->generation;
  deadline_->armed = true;
  deadline_->fired = false;
  read_timer_.expires_after(timeout);
  read_timer_.async_wait([deadline = deadline_, generation](boost::system::error_code ec) {
    if (ec || !deadline->owner || !deadline->armed || deadline->generation != generation) return;
    deadline->owner->expire_read();
  });
  auto target = asio::buffer(buffer.data() + old, max_bytes);
  auto [ec, n] = tls_ ? co_await tls_->async_read_some(target, tuple) : co_await plain_->async_read_some(target, tuple);
  deadline_->armed = false;
  read_timer_.cancel();
  timed_out = deadline_->fired;
  if (timed_out || ec) n = 0;
  buffer.resize(old + n);
  co_return n;
}

void smtp_connection::expire_read() {
  deadline_->fired = true;
  boost::system::error_code ignored;
  tcp().socket().cancel(ignored);
}

void smtp_connection::interrupt_read() {
  if (deadline_->armed) expire_read();  // as if the deadline had passed
}

void smtp_connection::cut() {
  boost::system::error_code ignored;
  tcp().socket().shutdown(socket_type::shutdown_both, ignored);
  tcp().socket().close(ignored);
}

asio::awaitable<bool> smtp_connection::write(std::string_view bytes, std::chrono::milliseconds timeout) {
  tcp().expires_after(timeout);
  auto data = asio::buffer(bytes.data(), bytes.size());
  auto [ec, n] = tls_ ? co_await asio::async_write(*tls_, data, tuple) : co_await asio::async_write(*plain_, data, tuple);
  co_return !ec;
}

asio::awaitable<bool> smtp_connection::start_tls(asio::ssl::context& context, std::chrono::milliseconds timeout) {
  tls_.emplace(std::move(*plain_), context);
  plain_.reset();
  tls_->next_layer().expires_after(timeout);
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, tuple);
  co_return !ec;
}

asio::awaitable<void> smtp_connection::close() {
  if (tls_) {
    tls_->next_layer().expires_after(std::chrono::seconds(2));
    co_await tls_->async_shutdown(tuple);
  }
  boost::system::error_code ignored;
  tcp().socket().shutdown(socket_type::shutdown_both, ignored);
  tcp().close();
}

std::string smtp_connection::tls_version() const {
  return tls_ ? SSL_get_version(const_cast<beast::ssl_stream<beast::tcp_stream>&>(*tls_).native_handle()) : "";
}

std::string smtp_connection::tls_cipher() const {
  return tls_ ? SSL_get_cipher_name(const_cast<beast::ssl_stream<beast::tcp_stream>&>(*tls_).native_handle()) : "";
}

}  // namespace mfrelay::relay
