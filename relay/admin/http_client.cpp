#include "relay/admin/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <charconv>
#include <exception>

#include "relay/common/clock.hpp"
#include "relay/common/endpoint_lookup.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct parsed_url {
  std::string host;        // without brackets
  std::uint16_t port = 80;
  std::string host_header; // as the Host header and SigV4 carry it: "127.0.0.1:8025", "[::1]:8025", "example.com"
  std::string target;      // "/path?query"
};

std::optional<parsed_url> parse_url(std::string_view url, std::string& why) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme) {
    why = "only http:// URLs are supported: '" + std::string(url.substr(0, 80)) + "'";
    return std::nullopt;
  }
  url.remove_prefix(scheme.size());
  std::size_t slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  parsed_url out;
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "unclosed '[' in the URL's host";
      return std::nullopt;
    }
    out.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() == ':') port_text = after.substr(1);
    else if (!after.empty()) {
      why = "unexpected text after ']' in the URL's host";
      return std::nullopt;
    }
  } else {
    std::size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty() || authority.find('@') != std::string_view::npos) {
    why = "the URL needs a host (and no user info)";
    return std::nullopt;
  }
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      why = "bad port in the URL: '" + std::string(port_text) + "'";
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  // botocore's Host: the port only when it is not the scheme's default.
  out.host_header = out.host.find(':') != std::string::npos ? "[" + out.host + "]" : out.host;
  if (out.port != 80) out.host_header += ":" + std::to_string(out.port);
  return out;
}

http_client_result failure(std::string error) {
  http_client_result r;
  r.error = std::move(error);
  return r;
}

std::string describe(const error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) return "timed out";
  return ec.message();
}

asio::awaitable<http_client_result> exchange(http_client_request request, parsed_url url) {
  auto executor = co_await asio::this_coro::executor;
  auto deadline = std::chrono::steady_clock::now() + request.timeout;

  std::vector<tcp::endpoint> endpoints;
  error_code lookup_ec = co_await lookup_endpoints(executor, url.host, url.port, deadline, endpoints);
  if (lookup_ec) co_return failure("cannot resolve " + url.host + ": " + describe(lookup_ec));

  beast::tcp_stream stream(executor);
  stream.expires_at(deadline);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, use_tuple);
  if (connect_ec) co_return failure("cannot connect to " + url.host_header + ": " + describe(connect_ec));

  http::request<http::string_body> out;
  out.version(11);
  out.method_string(request.method);
  out.target(url.target);
  out.set(http::field::host, url.host_header);
  out.set(http::field::user_agent, "mfrelay");
  for (const auto& [name, value] : request.headers) out.set(name, value);
  if (request.credentials) {
    http_request to_sign;
    to_sign.method = request.method;
    to_sign.target = url.target;
    to_sign.body = request.body;
    to_sign.headers["host"] = url.host_header;
    for (const auto& [name, value] : request.headers) to_sign.headers[lower(name)] = value;
    sign_sigv4(to_sign, *request.credentials, request.region, request.service, now());
    out.set("x-amz-date", to_sign.headers["x-amz-date"]);
    out.set(http::field::authorization, to_sign.headers["authorization"]);
  }
  out.body() = std::move(request.body);
  out.keep_alive(false);
  out.prepare_payload();

  stream.expires_at(deadline);
  auto [write_ec, written] = co_await http::async_write(stream, out, use_tuple);
  if (write_ec) co_return failure("cannot send to " + url.host_header + ": " + describe(write_ec));

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(request.max_response_bytes);
  stream.expires_at(deadline);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (read_ec) co_return failure("no answer from " + url.host_header + ": " + describe(read_ec));

  http::response<http::string_body> in = parser.release();
  http_client_result result;
  result.response.status = static_cast<int>(in.result_int());
  result.response.content_type = std::string(in[http::field::content_type]);
  for (const auto& field : in) result.response.headers.emplace_back(lower(field.name_string()), field.value());
  result.response.body = std::move(in.body());
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return result;
}

}  // namespace

asio::awaitable<http_client_result> http_fetch(http_client_request request) {
  std::string why;
  std::optional<parsed_url> url = parse_url(request.url, why);
  if (!url) co_return failure(why);
  co_return co_await exchange(std::move(request), std::move(*url));
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

http_client_request admin_api_request(const policy::config& cfg, std::string method, std::string target,
                                      std::string body, std::string content_type) {
  policy::host_port address = cfg.admin.address;
  if (address.host == "0.0.0.0" || address.host.empty()) address.host = "127.0.0.1";
  if (address.host == "::") address.host = "::1";
  http_client_request request;
  request.method = std::move(method);
  request.url = "http://" + address.str() + target;
  request.body = std::move(body);
  if (!content_type.empty()) request.headers.emplace_back("content-type", std::move(content_type));
  if (!cfg.admin.keys.empty()) {
    sigv4_credentials credentials;
    credentials.access_key_id = cfg.admin.keys.front().access_key_id;
    credentials.secret_access_key = cfg.admin.keys.front().secret_access_key;
    request.credentials = std::move(credentials);
  }
  request.region = cfg.relay.region;
  return request;
}

}  // namespace mfrelay::relay
