#include "relay/server/smtp_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

namespace mfrelay::relay {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace {
constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_chunk = 64 * 1024;
}  // namespace

smtp_connection::smtp_connection(socket_type socket) { plain_.emplace(std::move(socket)); }

beast::tcp_stream& smtp_connection::tcp() { return tls_ ? tls_->next_layer() : *plain_; }

asio::awaitable<std::size_t> smtp_connection::read_some(std::string& buffer, std::chrono::milliseconds timeout,
                                                        bool& timed_out) {
  std::size_t old = buffer.size();
  buffer.resize(old + read_chunk);
  tcp().expires_after(timeout);
  auto target = asio::buffer(buffer.data() + old, read_chunk);
  auto [ec, n] = tls_ ? co_await tls_->async_read_some(target, tuple) : co_await plain_->async_read_some(target, tuple);
  buffer.resize(old + n);
  timed_out = ec == beast::error::timeout;
  co_return ec ? 0 : n;
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
