// The admin HTTP client: signed round trips against the real server (what the CLI
// does), the awaitable form (what webhooks use), and every failure as a value.
#include <doctest/doctest.h>

#include <boost/asio/ip/tcp.hpp>
#include <future>

#include "relay/admin/http_client.hpp"
#include "server_fixture.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;

std::string header(const http_response& res, std::string_view name) {
  for (const auto& [n, v] : res.headers) {
    if (n == name) return v;
  }
  return {};
}

http_client_request signed_call(const server_fixture& f, std::string method, std::string target) {
  http_client_request r;
  r.method = std::move(method);
  r.url = "http://" + f.host() + target;
  r.credentials = sigv4_credentials{example_key_id, example_secret};
  r.region = "us-west-2";
  return r;
}

TEST_CASE("round trip: the client signs, the server verifies, the handler answers") {
  server_fixture f;
  http_client_request r = signed_call(f, "PUT", "/v2/email/identities/billing%40example.com/mail-from?x=a%2Bb");
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = R"({"MailFromDomain":"bounce.example.com"})";
  http_client_result result = http_fetch_blocking(r);
  REQUIRE(result.ok());
  CHECK(result.response.status == 200);
  CHECK(result.response.content_type == "application/json");
  CHECK(result.response.body == R"({"handled":true})");
  CHECK(header(result.response, "x-test") == "yes");
  CHECK(!header(result.response, "x-amzn-requestid").empty());

  auto seen = f.log.snapshot();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].access_key_id == "AKIDEXAMPLE");
  CHECK(seen[0].path == "/v2/email/identities/billing@example.com/mail-from");
  CHECK(seen[0].query.find("x")->second == "a+b");
  CHECK(seen[0].body == r.body);
}

TEST_CASE("the CLI's request from the configuration") {
  policy::config daemon_cfg = admin_config();
  daemon_cfg.relay.region = "eu-west-1";  // the daemon accepts credentials scoped to its own region only
  server_fixture f(daemon_cfg);
  policy::config cfg = admin_config();
  cfg.admin.address = {"0.0.0.0", f.endpoint().port()};  // a wildcard address is reached on loopback
  cfg.relay.region = "eu-west-1";
  http_client_request r = admin_api_request(cfg, "POST", "/mfrelay/verify", R"({"identity":"example.com"})",
                                            "application/json");
  CHECK(r.url == "http://127.0.0.1:" + std::to_string(f.endpoint().port()) + "/mfrelay/verify");
  CHECK(r.credentials->access_key_id == "AKIDEXAMPLE");
  http_client_result result = http_fetch_blocking(r);
  REQUIRE(result.ok());
  CHECK(result.response.status == 200);
  REQUIRE(f.log.snapshot().size() == 1);
  CHECK(f.log.snapshot()[0].headers.at("content-type") == "application/json");
}

TEST_CASE("refusals are responses, not errors") {
  server_fixture f;
  http_client_request unsigned_call = signed_call(f, "GET", "/v2/email/identities");
  unsigned_call.credentials.reset();
  http_client_result missing = http_fetch_blocking(unsigned_call);
  REQUIRE(missing.ok());
  CHECK(missing.response.status == 403);
  CHECK(header(missing.response, "x-amzn-errortype") == "MissingAuthenticationToken");

  http_client_request wrong = signed_call(f, "GET", "/v2/email/identities");
  wrong.credentials->secret_access_key = "wrong";
  CHECK(http_fetch_blocking(wrong).response.status == 403);
}

TEST_CASE("the awaitable form, as webhooks use it") {
  server_fixture f;
  http_client_request r = signed_call(f, "POST", "/hook");
  r.credentials.reset();
  r.headers.emplace_back("content-type", "application/json");
  r.body = R"({"eventType":"MailFromDomainStatusChange"})";
  asio::io_context io;
  auto done = asio::co_spawn(io, http_fetch(r), asio::use_future);
  io.run();
  http_client_result result = done.get();
  REQUIRE(result.ok());
  CHECK(result.response.status == 403);  // /hook is not a public route of the admin API
}

TEST_CASE("failures are values: refused, timed out, bad URLs") {
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
  SUBCASE("a server that never answers") {
    asio::io_context io;
    asio::ip::tcp::acceptor silent(io, {asio::ip::address_v4::loopback(), 0});  // the kernel accepts; nobody reads
    http_client_request r;
    r.url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/";
    r.timeout = std::chrono::milliseconds(200);
    auto started = std::chrono::steady_clock::now();
    http_client_result result = http_fetch_blocking(r);
    CHECK(!result.ok());
    CHECK(result.error.find("timed out") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  }
  SUBCASE("bad URLs") {
    for (const char* url : {"https://127.0.0.1:8025/", "127.0.0.1:8025", "http://", "http://host:0/",
                            "http://host:99999/", "http://[::1/", "http://user@host/"}) {
      CAPTURE(url);
      http_client_request r;
      r.url = url;
      CHECK(!http_fetch_blocking(r).ok());
    }
  }
}

TEST_CASE("IPv6 loopback and the Host header it signs") {
  policy::config cfg = admin_config();
  cfg.admin.address = {"::1", 0};
  std::unique_ptr<server_fixture> f;
  try {
    f = std::make_unique<server_fixture>(cfg);
  } catch (const std::exception&) {
    MESSAGE("no IPv6 loopback here; skipped");
    return;
  }
  http_client_request r;
  r.url = "http://[::1]:" + std::to_string(f->endpoint().port()) + "/v2/email/identities";
  r.credentials = sigv4_credentials{example_key_id, example_secret};
  r.region = "us-west-2";  // the daemon's
  http_client_result result = http_fetch_blocking(r);
  REQUIRE(result.ok());
  CHECK(result.response.status == 200);
}

}  // namespace
}  // namespace mfrelay::relay
