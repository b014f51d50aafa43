#include "relay/common/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>
#include <optional>

#include "relay/common/endpoint_lookup.hpp"
#include "relay/common/http_url.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

http_client_result error_result(std::string error) {
  http_client_result r;
  r.error = std::move(error);
  return r;
}

// The request as it goes on the wire, after the signer (if any) had its say.
http_request outgoing(http_client_request& request, const http_url& url) {
  http_request out;
  out.method = request.method;
  out.target = url.target;
  out.body = std::move(request.body);
  out.headers["host"] = url.host_header;
  out.headers["user-agent"] = "mfrelay";
  for (const auto& [name, value] : request.headers) out.headers[lower(name)] = value;
  if (request.sign) request.sign(out);
  return out;
}

class exchange {
 public:
  exchange(http_client_request request, http_url url) : request_(std::move(request)), url_(std::move(url)) {}

  asio::awaitable<http_client_result> run() {
    auto executor = co_await asio::this_coro::executor;
    const auto deadline = std::chrono::steady_clock::now() + request_.timeout;
    std::vector<tcp::endpoint> endpoints;
    std::shared_ptr<tcp::resolver> resolver;
    // The token may stop this fetch only while it runs: the hook goes with the frame.
    struct unhook {
      http_cancel_token* token;
      ~unhook() {
        if (token) token->while_running(nullptr);
      }
    } guard{request_.cancel.get()};
    if (guard.token) guard.token->while_running([&] {
      if (resolver) resolver->cancel();
      if (stream_) stream_->cancel();
    });
    error_code lookup_ec = co_await lookup_endpoints(executor, url_.host, url_.port, deadline, endpoints, &resolver);
    if (lookup_ec || cancelled()) co_return finish(failure("cannot resolve " + url_.host, lookup_ec));

    stream_.emplace(executor);
    stream_->expires_at(deadline);  // one deadline for connect, request and response together
    auto [connect_ec, endpoint] = co_await stream_->async_connect(endpoints, use_tuple);
    if (connect_ec || cancelled()) co_return finish(failure("cannot connect to " + url_.host_header, connect_ec));

    http_request wire = outgoing(request_, url_);
    http::request<http::string_body> out;
    out.version(11);
    out.method_string(wire.method);
    out.target(wire.target);
    for (const auto& [name, value] : wire.headers) {
      // Known fields go out in their usual spelling ("Content-Type"): names are
      // case-insensitive, but not every peer's code treats them so.
      const http::field known = http::string_to_field(name);
      if (known != http::field::unknown) {
        out.set(known, value);
      } else {
        out.set(name, value);
      }
    }
    out.body() = std::move(wire.body);
    out.keep_alive(false);
    out.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(*stream_, out, use_tuple);
    if (write_ec || cancelled()) co_return finish(failure("cannot send to " + url_.host_header, write_ec));

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(request_.max_response_bytes);
    auto [read_ec, read] = co_await http::async_read(*stream_, buffer, parser, use_tuple);
    // A body over the limit still came with a status: the caller may judge by it.
    const bool truncated = read_ec == http::error::body_limit && parser.is_header_done();
    if ((read_ec && !truncated) || cancelled()) co_return finish(failure("no answer from " + url_.host_header, read_ec));

    http_client_result result;
    result.truncated = truncated;
    const auto& in = parser.get();
    result.response.status = static_cast<int>(in.result_int());
    result.response.content_type = std::string(in[http::field::content_type]);
    for (const auto& field : in) result.response.headers.emplace_back(lower(field.name_string()), field.value());
    if (!truncated) result.response.body = parser.release().body();
    co_return finish(std::move(result));
  }

 private:
  bool cancelled() const { return request_.cancel && request_.cancel->cancelled(); }

  // "cancelled" when the token ended the fetch, else "<what failed>: <why>".
  http_client_result failure(const std::string& what, const error_code& ec) const {
    if (cancelled()) return error_result("cancelled");
    const bool timed_out = ec == beast::error::timeout || ec == asio::error::operation_aborted;
    return error_result(what + ": " + (timed_out ? std::string("timed out") : ec.message()));
  }

  http_client_result finish(http_client_result result) {
    if (stream_) {
      error_code ignored;
      stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_->close();
    }
    return result;
  }

  http_client_request request_;
  http_url url_;
  std::optional<beast::tcp_stream> stream_;
};

}  // namespace

asio::awaitable<http_client_result> http_fetch(http_client_request request) {
  if (request.cancel && request.cancel->cancelled()) co_return error_result("cancelled");
  std::string why;
  std::optional<http_url> url = parse_http_url(request.url, why);
  if (!url) co_return error_result(why);
  exchange e(std::move(request), std::move(*url));
  co_return co_await e.run();
}

http_client_result http_fetch_blocking(http_client_request request) {
  asio::io_context io;
  http_client_result result;
  std::exception_ptr error;
  asio::co_spawn(io, http_fetch(std::move(request)), [&](std::exception_ptr e, http_client_result r) {
    error = e;
    result = std::move(r);
  });
  io.run();
  if (error) std::rethrow_exception(error);
  return result;
}

}  // namespace mfrelay::relay
