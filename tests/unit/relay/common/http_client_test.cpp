// The one HTTP client (relay/common/http_client.hpp) against an in-process
// server on 127.0.0.1: which URLs it takes, what it sends (with a signer's
// headers), bounded answers, and every failure as a value, cancel() included.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "policy/ascii.hpp"
#include "relay/common/http_client.hpp"
#include "relay/common/http_url.hpp"
#include "support/http_test_server.hpp"
#include "support/test_io.hpp"

namespace mfrelay::relay {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Header names compare case-insensitively.
std::string header(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (policy::ascii_iequals(n, name)) return v;
  }
  return {};
}

TEST_CASE("URLs: plain http:// with a host, an optional port and a clean target") {
  std::string why;
  auto u = parse_http_url("http://127.0.0.1:9000/hooks/mfrelay?x=1", why);
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 9000);
  CHECK(u->host_header == "127.0.0.1:9000");
  CHECK(u->target == "/hooks/mfrelay?x=1");
  auto bare = parse_http_url("http://collector.example", why);
  REQUIRE(bare);
  CHECK(bare->port == 80);
  CHECK(bare->host_header == "collector.example");
  CHECK(bare->target == "/");
  auto query = parse_http_url("http://h:81?a=b", why);
  REQUIRE(query);
  CHECK(query->target == "/?a=b");
  auto v6 = parse_http_url("http://[::1]:9000/x", why);
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->host_header == "[::1]:9000");
  for (const char* bad : {"https://127.0.0.1:9000/", "127.0.0.1:9000", "http://", "http://host:0/", "http://host:/",
                          "http://host:99999/", "http://[::1/", "http://[::1]x/", "http://user@host/",
                          "http://h:9000/a b", "http://h:9000/a\r\nX: y", ""}) {
    CAPTURE(bad);
    why.clear();
    CHECK_FALSE(parse_http_url(bad, why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("a request goes out as given, with the signer's headers, and its answer comes back") {
  asio::io_context io;
  test::http_test_server server(io);
  server.status = [](std::size_t) { return 202; };
  server.response_body = R"({"handled":true})";
  http_client_request r;
  r.method = "PUT";
  r.url = server.url("/v2/email/identities/billing%40example.com?x=a%2Bb");
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = R"({"MailFromDomain":"bounce.example.com"})";
  std::string signed_host;
  r.sign = [&](http_request& wire) {
    signed_host = wire.headers.at("host");
    CHECK(wire.target == "/v2/email/identities/billing%40example.com?x=a%2Bb");
    CHECK(wire.body == R"({"MailFromDomain":"bounce.example.com"})");
    wire.headers["authorization"] = "signed";
  };
  http_client_result result = test::run_awaitable(io, http_fetch(r));
  REQUIRE(result.ok());
  CHECK(result.response.status == 202);
  CHECK(result.response.content_type == "text/plain");
  CHECK(result.response.body == R"({"handled":true})");
  CHECK_FALSE(result.truncated);
  REQUIRE(server.requests.size() == 1);
  const auto& seen = server.requests[0];
  CHECK(seen.method == "PUT");
  CHECK(seen.target == "/v2/email/identities/billing%40example.com?x=a%2Bb");
  CHECK(seen.host == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(signed_host == seen.host);
  CHECK(seen.content_type == "application/json");
  CHECK(seen.body == r.body);
  CHECK(header(seen.headers, "Authorization") == "signed");
  CHECK(header(seen.headers, "User-Agent") == "mfrelay");
}

TEST_CASE("an answer longer than the limit keeps its status, not its body") {
  asio::io_context io;
  test::http_test_server server(io);
  server.status = [](std::size_t) { return 500; };
  server.response_body = std::string(4096, 'x');
  http_client_request r;
  r.url = server.url();
  r.max_response_bytes = 100;
  http_client_result result = test::run_awaitable(io, http_fetch(r));
  REQUIRE(result.ok());
  CHECK(result.truncated);
  CHECK(result.response.status == 500);
  CHECK(result.response.body.empty());
}

TEST_CASE("failures are values: refused, closed, silent, bad URL") {
  SUBCASE("connection refused") {
    asio::io_context io;
    asio::ip::tcp::acceptor closed(io, {asio::ip::address_v4::loopback(), 0});
    auto port = closed.local_endpoint().port();
    closed.close();
    http_client_request r;
    r.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    http_client_result result = http_fetch_blocking(r);
    CHECK(!result.ok());
    CHECK(result.error.find("cannot connect to 127.0.0.1:" + std::to_string(port)) == 0);
  }
  SUBCASE("closed without an answer") {
    asio::io_context io;
    test::http_test_server server(io);
    server.status = [](std::size_t) { return 0; };
    http_client_request r;
    r.url = server.url();
    http_client_result result = test::run_awaitable(io, http_fetch(r));
    CHECK(result.error.find("no answer from 127.0.0.1:") == 0);
  }
  SUBCASE("a server that never answers costs the timeout, no more") {
    asio::io_context io;
    asio::ip::tcp::acceptor silent(io, {asio::ip::address_v4::loopback(), 0});  // the kernel accepts; nobody reads
    http_client_request r;
    r.url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/";
    r.timeout = 200ms;
    http_client_result result = http_fetch_blocking(r);
    CHECK(result.error.find("timed out") != std::string::npos);
  }
  SUBCASE("a bad URL says why") {
    http_client_request r;
    r.url = "https://127.0.0.1:8025/";
    CHECK(http_fetch_blocking(r).error == "only http:// URLs are supported: 'https://127.0.0.1:8025/'");
  }
}

TEST_CASE("cancel() ends a fetch in progress, and the next one never connects") {
  asio::io_context io;
  test::http_test_server server(io);
  server.status = [](std::size_t) { return -1; };  // holds the request unanswered
  auto token = std::make_shared<http_cancel_token>();
  http_client_request r;
  r.url = server.url();
  r.timeout = 30s;
  r.cancel = token;
  std::optional<http_client_result> result;
  asio::co_spawn(io, http_fetch(r), [&](std::exception_ptr e, http_client_result got) {
    REQUIRE_FALSE(e);
    result = std::move(got);
  });
  REQUIRE(test::run_until(io, [&] { return server.requests.size() == 1; }));
  token->cancel();
  REQUIRE(test::run_until(io, [&] { return result.has_value(); }, 2000ms));
  CHECK(result->error == "cancelled");

  http_client_result later = test::run_awaitable(io, http_fetch(r));
  CHECK(later.error == "cancelled");
  CHECK(server.connections == 1);
}

TEST_CASE("IPv6 loopback") {
  asio::io_context io;
  std::optional<asio::ip::tcp::acceptor> v6;
  try {
    v6.emplace(io, asio::ip::tcp::endpoint{asio::ip::address_v6::loopback(), 0});
  } catch (const std::exception&) {
    MESSAGE("no IPv6 loopback here; skipped");
    return;
  }
  http_client_request r;
  r.url = "http://[::1]:" + std::to_string(v6->local_endpoint().port()) + "/";
  r.timeout = 200ms;
  // Nobody answers on the socket, but the connection is made: the failure is
  // the answer's, not the address's.
  http_client_result result = test::run_awaitable(io, http_fetch(r));
  CHECK(result.error.find("[::1]:") != std::string::npos);
  CHECK(result.error.find("cannot connect") == std::string::npos);
}

}  // namespace
}  // namespace mfrelay::relay
