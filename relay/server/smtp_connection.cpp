#include "relay/server/smtp_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>
#include <tuple>
#include <variant>

namespace mfrelay::relay {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace {
constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

smtp_connection::smtp_connection(socket_type socket) { plain_.emplace(std::move(socket)); }

beast::tcp_stream& smtp_connection::tcp() { return tls_ ? tls_->next_layer() : *plain_; }

asio::awaitable<std::size_t> smtp_connection::read_some(std::string& buffer, std::size_t max_bytes,
                                                        std::chrono::milliseconds timeout, bool& timed_out) {
  using namespace asio::experimental::awaitable_operators;
  std::size_t old = buffer.size();
  buffer.resize(old + max_bytes);
  // Not tcp_stream's own deadline: when it expires it closes the socket, and the
  // session could no longer say "421 4.4.2 timeout exceeded". A timer racing the
  // read cancels only the read.
  tcp().expires_never();
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  auto target = asio::buffer(buffer.data() + old, max_bytes);
  auto read = tls_ ? tls_->async_read_some(target, tuple) : plain_->async_read_some(target, tuple);
  read_timer_ = &timer;
  auto first = co_await (std::move(read) || timer.async_wait(tuple));
  read_timer_ = nullptr;
  timed_out = first.index() == 1;
  auto [ec, n] = timed_out ? std::tuple<boost::system::error_code, std::size_t>{} : std::get<0>(first);
  buffer.resize(old + n);
  co_return timed_out || ec ? 0 : n;
}

void smtp_connection::interrupt_read() {
  if (read_timer_) read_timer_->cancel();  // the timer "fires": the race cancels the read
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
