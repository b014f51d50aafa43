#include "relay/delivery/upstream_connection.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>
#include <tuple>
#include <vector>

#include "relay/common/endpoint_lookup.hpp"
#include "relay/delivery/reply_parser.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

struct upstream_connection::streams {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;

  beast::tcp_stream* lowest() {
    if (tls) return &tls->next_layer();
    if (plain) return &*plain;
    return nullptr;
  }
};

upstream_connection::upstream_connection(asio::any_io_executor ex)
    : ex_(std::move(ex)), streams_(std::make_unique<streams>()) {}

upstream_connection::~upstream_connection() { close(); }

bool upstream_connection::is_open() const noexcept {
  auto* s = streams_->lowest();
  return s && s->socket().is_open();
}

bool upstream_connection::tls_active() const noexcept { return streams_->tls.has_value(); }

void upstream_connection::close() noexcept {
  if (auto* s = streams_->lowest()) {
    error_code ignored;
    s->socket().shutdown(tcp::socket::shutdown_both, ignored);
    s->socket().close(ignored);
  }
}

asio::awaitable<error_code> upstream_connection::connect(policy::host_port server, policy::duration timeout) {
  close();
  streams_->tls.reset();
  streams_->plain.emplace(ex_);
  in_.clear();
  remote_ip_.clear();

  std::vector<tcp::endpoint> endpoints;
  error_code lookup_ec =
      co_await lookup_endpoints(ex_, server.host, server.port, std::chrono::steady_clock::now() + timeout, endpoints);
  if (lookup_ec) co_return lookup_ec;

  streams_->plain->expires_after(timeout);
  auto [connect_ec, endpoint] = co_await streams_->plain->async_connect(endpoints, use_tuple);
  if (connect_ec) co_return connect_ec;
  remote_ip_ = endpoint.address().to_string();
  // Commands are small writes answered in turn; do not let Nagle hold them back.
  error_code ignored;
  streams_->plain->socket().set_option(tcp::no_delay(true), ignored);
  co_return error_code{};
}

asio::awaitable<error_code> upstream_connection::write(std::string_view bytes, policy::duration timeout) {
  auto* lowest = streams_->lowest();
  if (!lowest) co_return error_code(asio::error::not_connected);
  lowest->expires_after(timeout);
  error_code ec;
  if (streams_->tls) {
    std::tie(ec, std::ignore) = co_await asio::async_write(*streams_->tls, asio::buffer(bytes), use_tuple);
  } else {
    std::tie(ec, std::ignore) = co_await asio::async_write(*streams_->plain, asio::buffer(bytes), use_tuple);
  }
  co_return ec;
}

asio::awaitable<upstream_connection::read_result> upstream_connection::read_reply(policy::duration timeout) {
  read_result result;
  std::array<char, 8192> chunk;
  for (;;) {
    reply_parse_result parsed = parse_reply(in_);
    if (parsed.status == reply_status::complete) {
      in_.erase(0, parsed.consumed);
      result.reply = std::move(parsed.reply);
      co_return result;
    }
    if (parsed.status == reply_status::malformed) {
      result.malformed = true;
      co_return result;
    }
    auto* lowest = streams_->lowest();
    if (!lowest) {
      result.error = asio::error::not_connected;
      co_return result;
    }
    lowest->expires_after(timeout);
    error_code ec;
    std::size_t n = 0;
    if (streams_->tls) {
      std::tie(ec, n) = co_await streams_->tls->async_read_some(asio::buffer(chunk), use_tuple);
    } else {
      std::tie(ec, n) = co_await streams_->plain->async_read_some(asio::buffer(chunk), use_tuple);
    }
    in_.append(chunk.data(), n);
    if (ec) {
      result.error = ec;
      co_return result;
    }
  }
}

asio::awaitable<error_code> upstream_connection::start_tls(asio::ssl::context& ctx, std::string server_name,
                                                           policy::duration timeout, bool verify) {
  if (!streams_->plain) co_return error_code(asio::error::not_connected);
  in_.clear();
  streams_->tls.emplace(std::move(*streams_->plain), ctx);
  streams_->plain.reset();
  error_code not_ip;
  asio::ip::make_address(server_name, not_ip);
  if (!server_name.empty() && not_ip) {
    // SSL_set_tlsext_host_name, without the macro's C cast.
    SSL_ctrl(streams_->tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             server_name.data());
  }
  if (verify) {
    SSL* ssl = streams_->tls->native_handle();
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    // The name we were configured with, not one the server or DNS told us.
    int named = not_ip ? SSL_set1_host(ssl, server_name.c_str())
                       : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_name.c_str());
    if (named != 1) co_return error_code(asio::error::invalid_argument);
  }
  streams_->tls->next_layer().expires_after(timeout);
  auto [ec] = co_await streams_->tls->async_handshake(asio::ssl::stream_base::client, use_tuple);
  co_return ec;
}

std::string upstream_connection::verify_error() const {
  if (!streams_->tls) return {};
  long result = SSL_get_verify_result(streams_->tls->native_handle());
  if (result == X509_V_OK) return {};
  return X509_verify_cert_error_string(result);
}

}  // namespace mfrelay::relay
