// The admin HTTP server over 127.0.0.1: public routes, SigV4 refusals in each
// client's error shape, signed requests reaching the handler, limits, the Host
// allowlist, keep-alive, 100-continue and graceful stop.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <regex>

#include "relay/admin/sigv4.hpp"
#include "relay/common/clock.hpp"
#include "server_fixture.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
namespace json = boost::json;

std::string field(const http::response<http::string_body>& res, std::string_view name) {
  return std::string(res[name]);
}

bool uuid_like(const std::string& id) {
  static const std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  return std::regex_match(id, shape);
}

std::string get(const server_fixture& f, std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + f.host() + "\r\n" + std::string(extra) + "\r\n";
}

http_request signed_request(const server_fixture& f, std::string method, std::string target, std::string body,
                            std::string secret = example_secret, std::string key_id = example_key_id) {
  http_request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers["host"] = f.host();
  if (!r.body.empty()) r.headers["content-type"] = "application/json";
  sign_sigv4(r, {key_id, secret}, "us-west-2", "ses", now());
  return r;
}

TEST_CASE("public routes answer without a signature") {
  server_fixture f;
  raw_client c(f.endpoint());

  auto health = c.exchange(get(f, "/healthz"));
  CHECK(health.result_int() == 200);
  CHECK(health.body() == "ok\n");
  CHECK(uuid_like(field(health, "x-amzn-RequestId")));
  CHECK(!field(health, "Date").empty());

  auto ready = c.exchange(get(f, "/readyz"));
  CHECK(ready.result_int() == 200);
  f.backend.ready_ = false;
  auto not_ready = c.exchange(get(f, "/readyz"));
  CHECK(not_ready.result_int() == 503);
  CHECK(field(ready, "x-amzn-RequestId") != field(not_ready, "x-amzn-RequestId"));

  auto metrics = c.exchange(get(f, "/metrics"));
  CHECK(metrics.result_int() == 200);
  CHECK(field(metrics, "Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(metrics.body().find("mfrelay_up 1") != std::string::npos);
  CHECK(f.log.snapshot().empty());
}

TEST_CASE("unsigned requests: 403 in the shape of each client") {
  server_fixture f;
  raw_client c(f.endpoint());

  SUBCASE("SES v1 query protocol: XML ErrorResponse") {
    std::string body = "Action=GetIdentityMailFromDomainAttributes&Version=2010-12-01";
    auto res = c.exchange("POST / HTTP/1.1\r\nHost: " + f.host() +
                          "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body);
    CHECK(res.result_int() == 403);
    CHECK(field(res, "Content-Type") == "text/xml");
    std::string id = field(res, "x-amzn-RequestId");
    CHECK(uuid_like(id));
    CHECK(res.body().find("<ErrorResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">") == 0);
    CHECK(res.body().find("<Type>Sender</Type>") != std::string::npos);
    CHECK(res.body().find("<Code>MissingAuthenticationToken</Code>") != std::string::npos);
    CHECK(res.body().find("<Message>Request is missing Authentication Token</Message>") != std::string::npos);
    CHECK(res.body().find("<RequestId>" + id + "</RequestId>") != std::string::npos);
  }
  SUBCASE("SES v2 rest-json: {message} and x-amzn-ErrorType") {
    auto res = c.exchange(get(f, "/v2/email/identities/billing%40example.com"));
    CHECK(res.result_int() == 403);
    CHECK(field(res, "x-amzn-ErrorType") == "MissingAuthenticationToken");
    CHECK(json::parse(res.body()).at("message").as_string() == "Request is missing Authentication Token");
  }
  SUBCASE("other routes: small JSON") {
    auto res = c.exchange(get(f, "/mfrelay/status"));
    CHECK(res.result_int() == 403);
    auto body = json::parse(res.body()).as_object();
    CHECK(body.at("code").as_string() == "MissingAuthenticationToken");
    CHECK(body.at("requestId").as_string() == field(res, "x-amzn-RequestId"));
  }
  // The connection survives a refusal whose request was read whole.
  CHECK(c.exchange(get(f, "/healthz")).result_int() == 200);
  CHECK(f.log.snapshot().empty());
}

TEST_CASE("bad signatures and unknown keys: 403 in both AWS shapes") {
  server_fixture f;
  raw_client c(f.endpoint());

  auto v2_bad = c.exchange(wire(signed_request(f, "GET", "/v2/email/identities/billing%40example.com", "",
                                               "wrong-secret")));
  CHECK(v2_bad.result_int() == 403);
  CHECK(field(v2_bad, "x-amzn-ErrorType") == "SignatureDoesNotMatch");
  CHECK(std::string(json::parse(v2_bad.body()).at("message").as_string()).find(
            "The request signature we calculated does not match") == 0);

  http_request v1 = signed_request(f, "POST", "/", "Action=SetIdentityMailFromDomain", "wrong-secret");
  auto v1_bad = c.exchange(wire(v1));
  CHECK(v1_bad.result_int() == 403);
  CHECK(v1_bad.body().find("<Code>SignatureDoesNotMatch</Code>") != std::string::npos);

  auto unknown = c.exchange(wire(signed_request(f, "POST", "/", "Action=X", example_secret, "AKIDUNKNOWN")));
  CHECK(unknown.result_int() == 403);
  CHECK(unknown.body().find("<Code>InvalidClientTokenId</Code>") != std::string::npos);
  CHECK(unknown.body().find("<Message>The security token included in the request is invalid.</Message>") !=
        std::string::npos);

  // SES v2 names an unknown key UnrecognizedClientException (botocore's sesv2 model).
  auto unknown_v2 = c.exchange(wire(signed_request(f, "GET", "/v2/email/identities", "", example_secret, "AKIDX")));
  CHECK(field(unknown_v2, "x-amzn-ErrorType") == "UnrecognizedClientException");
  CHECK(f.log.snapshot().empty());
}

TEST_CASE("a signed session token is refused: mfrelay issues none") {
  server_fixture f;
  raw_client c(f.endpoint());
  auto with_token = [&](std::string method, std::string target, std::string body) {
    http_request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers["host"] = f.host();
    r.headers["x-amz-security-token"] = "IQoJb3JpZ2luX2VjEBogus";  // signed below, like botocore signs it
    sign_sigv4(r, {example_key_id, example_secret}, "us-west-2", "ses", now());
    return r;
  };
  auto v1 = c.exchange(wire(with_token("POST", "/", "Action=GetIdentityMailFromDomainAttributes&Version=2010-12-01")));
  CHECK(v1.result_int() == 403);
  CHECK(v1.body().find("<Code>InvalidClientTokenId</Code>") != std::string::npos);
  auto v2 = c.exchange(wire(with_token("GET", "/v2/email/identities", "")));
  CHECK(v2.result_int() == 403);
  CHECK(field(v2, "x-amzn-ErrorType") == "UnrecognizedClientException");
  CHECK(f.log.snapshot().empty());
}

TEST_CASE("a credential scoped to another region than [relay] region is refused") {
  policy::config cfg = admin_config();
  cfg.relay.region = "us-west-2";
  server_fixture f(cfg);
  raw_client c(f.endpoint());
  http_request r;
  r.method = "GET";
  r.target = "/v2/email/identities";
  r.headers["host"] = f.host();
  sign_sigv4(r, {example_key_id, example_secret}, "us-east-1", "ses", now());
  auto res = c.exchange(wire(r));
  CHECK(res.result_int() == 403);
  CHECK(field(res, "x-amzn-ErrorType") == "SignatureDoesNotMatch");
  CHECK(std::string(json::parse(res.body()).at("message").as_string()) ==
        "Credential should be scoped to a valid region, not 'us-east-1'.");
  CHECK(f.log.snapshot().empty());
  CHECK(c.exchange(wire(signed_request(f, "GET", "/v2/email/identities", ""))).result_int() == 200);
}

TEST_CASE("a signed request reaches the handler with decoded fields") {
  server_fixture f;
  raw_client c(f.endpoint());
  std::string body = R"({"MailFromDomain":"bounce.example.com"})";
  http_request r = signed_request(f, "PUT", "/v2/email/identities/billing%40example.com/mail-from?note=a%20b&x=1",
                                  body);
  r.headers["X-Custom-Header"] = "Value";  // sent, not signed (added after signing)
  auto res = c.exchange(wire(r));
  CHECK(res.result_int() == 200);
  CHECK(res.body() == R"({"handled":true})");
  CHECK(field(res, "Content-Type") == "application/json");
  CHECK(field(res, "x-test") == "yes");
  CHECK(uuid_like(field(res, "x-amzn-RequestId")));

  auto seen = f.log.snapshot();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "PUT");
  CHECK(seen[0].target == "/v2/email/identities/billing%40example.com/mail-from?note=a%20b&x=1");
  CHECK(seen[0].path == "/v2/email/identities/billing@example.com/mail-from");
  CHECK(seen[0].query.size() == 2);
  CHECK(seen[0].query.find("note")->second == "a b");
  CHECK(seen[0].headers.at("x-custom-header") == "Value");
  CHECK(seen[0].headers.at("content-type") == "application/json");
  CHECK(seen[0].body == body);
  CHECK(seen[0].access_key_id == "AKIDEXAMPLE");
}

TEST_CASE("a repeated header is signed, and handed over, as its values joined with ','") {
  server_fixture f;
  raw_client c(f.endpoint());
  http_request to_sign;
  to_sign.method = "GET";
  to_sign.target = "/v2/email/identities";
  to_sign.headers["host"] = f.host();
  to_sign.headers["x-dup"] = "one,two  words";
  sign_sigv4(to_sign, {example_key_id, example_secret}, "us-west-2", "ses", now());
  std::string bytes = "GET /v2/email/identities HTTP/1.1\r\nHost: " + f.host() + "\r\nX-Dup: one\r\nx-amz-date: " +
                      to_sign.headers["x-amz-date"] + "\r\nX-DUP:   two  words  \r\nAuthorization: " +
                      to_sign.headers["authorization"] + "\r\n\r\n";
  CHECK(c.exchange(bytes).result_int() == 200);
  REQUIRE(f.log.snapshot().size() == 1);
  CHECK(f.log.snapshot()[0].headers.at("x-dup") == "one,two  words");
}

TEST_CASE("botocore's own requests, replayed byte for byte, are accepted") {
  policy::config cfg = admin_config();
  cfg.admin.allowed_hosts = {"127.0.0.1:8025"};  // the Host botocore signed
  http_server_options options;
  options.clock = [] { return botocore_signing_time(); };
  server_fixture f(cfg, options);
  raw_client c(f.endpoint());

  CHECK(c.exchange(wire(botocore_v1_set_mail_from())).result_int() == 200);
  CHECK(c.exchange(wire(botocore_v2_put_mail_from())).result_int() == 200);
  CHECK(c.exchange(wire(botocore_v2_get_odd_identity())).result_int() == 200);
  CHECK(c.exchange(wire(botocore_v2_list_with_query())).result_int() == 200);
  auto seen = f.log.snapshot();
  REQUIRE(seen.size() == 4);
  CHECK(seen[0].path == "/");
  CHECK(seen[0].body.find("Action=SetIdentityMailFromDomain") == 0);
  CHECK(seen[1].path == "/v2/email/identities/billing@example.com/mail-from");
  CHECK(seen[2].path == "/v2/email/identities/we%ird+x@example.com");
  CHECK(seen[3].query.find("NextToken")->second == "a b/c+d=~*");
}

TEST_CASE("a body over max_body_bytes: 413 before it is read") {
  server_fixture f;  // max_body_bytes = 1024
  SUBCASE("by Content-Length") {
    raw_client c(f.endpoint());
    auto res = c.exchange("POST / HTTP/1.1\r\nHost: " + f.host() + "\r\nContent-Length: 5000\r\n\r\n");
    CHECK(res.result_int() == 413);
    CHECK(res.body().find("<Code>RequestEntityTooLarge</Code>") != std::string::npos);
    CHECK(!res.keep_alive());
    CHECK(c.closed());
  }
  SUBCASE("chunked") {
    raw_client c(f.endpoint());
    std::string chunk(800, 'a');
    auto res = c.exchange("POST /v2/x HTTP/1.1\r\nHost: " + f.host() + "\r\nTransfer-Encoding: chunked\r\n\r\n" +
                          "320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
    CHECK(res.result_int() == 413);
    CHECK(field(res, "x-amzn-ErrorType") == "RequestEntityTooLarge");
  }
  SUBCASE("exactly the limit is fine") {
    raw_client c(f.endpoint());
    auto res = c.exchange(wire(signed_request(f, "POST", "/mfrelay/x", std::string(1024, 'b'))));
    CHECK(res.result_int() == 200);
  }
  CHECK(f.log.snapshot().size() <= 1);
}

TEST_CASE("headers over 16 KiB: 431") {
  server_fixture f;
  raw_client c(f.endpoint());
  auto res = c.exchange("GET /healthz HTTP/1.1\r\nHost: " + f.host() + "\r\nX-Big: " + std::string(17000, 'x') +
                        "\r\n\r\n");
  CHECK(res.result_int() == 431);
  CHECK(json::parse(res.body()).at("code").as_string() == "RequestHeaderFieldsTooLarge");
}

TEST_CASE("malformed HTTP: 400") {
  server_fixture f;
  raw_client c(f.endpoint());
  auto res = c.exchange("GET /healthz HTTP/1.1\r\nHost " + f.host() + "\r\n\r\n");
  CHECK(res.result_int() == 400);
}

TEST_CASE("Host allowlist") {
  server_fixture f;
  SUBCASE("the defaults: the address, localhost, 127.0.0.1 and [::1] with the bound port") {
    std::string port = std::to_string(f.endpoint().port());
    CHECK(f.server->allowed_hosts() ==
          std::vector<std::string>{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port});
    raw_client c(f.endpoint());
    CHECK(c.exchange("GET /healthz HTTP/1.1\r\nHost: LOCALHOST:" + port + "\r\n\r\n").result_int() == 200);
  }
  SUBCASE("another name: 421, even for public routes, and the connection closes") {
    raw_client c(f.endpoint());
    auto res = c.exchange("GET /healthz HTTP/1.1\r\nHost: evil.example:" + std::to_string(f.endpoint().port()) +
                          "\r\n\r\n");
    CHECK(res.result_int() == 421);
    CHECK(json::parse(res.body()).at("message").as_string().find("evil.example") != std::string::npos);
    CHECK(c.closed());
  }
  SUBCASE("another port") {
    raw_client c(f.endpoint());
    CHECK(c.exchange("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n").result_int() == 421);
  }
  SUBCASE("no Host at all: 400") {
    raw_client c(f.endpoint());
    auto res = c.exchange("GET /v2/email/identities HTTP/1.0\r\n\r\n");
    CHECK(res.result_int() == 400);
    CHECK(field(res, "x-amzn-ErrorType") == "MissingHost");
  }
  SUBCASE("explicit allowed_hosts replace the defaults") {
    policy::config cfg = admin_config();
    cfg.admin.allowed_hosts = {"admin.internal:8025"};
    server_fixture g(cfg);
    raw_client c(g.endpoint());
    CHECK(c.exchange("GET /healthz HTTP/1.1\r\nHost: admin.internal:8025\r\n\r\n").result_int() == 200);
    CHECK(c.exchange(get(g, "/healthz")).result_int() == 421);
  }
}

TEST_CASE("keep-alive: two requests and a signed one on one connection") {
  server_fixture f;
  raw_client c(f.endpoint());
  auto first = c.exchange(get(f, "/healthz"));
  CHECK(first.keep_alive());
  auto second = c.exchange(get(f, "/metrics"));
  CHECK(second.result_int() == 200);
  CHECK(c.exchange(wire(signed_request(f, "GET", "/v2/email/identities", ""))).result_int() == 200);
  CHECK(f.server->connections() == 1);
  // Pipelined: both answered in order.
  c.send(get(f, "/healthz") + get(f, "/readyz"));
  CHECK(c.read().body() == "ok\n");
  CHECK(c.read().body() == "ready\n");
  // Connection: close is honoured.
  auto last = c.exchange(get(f, "/healthz", "Connection: close\r\n"));
  CHECK(!last.keep_alive());
  CHECK(c.closed());
}

TEST_CASE("Expect: 100-continue") {
  server_fixture f;
  raw_client c(f.endpoint());
  http_request r = signed_request(f, "POST", "/mfrelay/x", "{}");
  r.headers["expect"] = "100-continue";
  std::string bytes = wire(r);
  std::size_t head_end = bytes.find("\r\n\r\n") + 4;
  c.send(bytes.substr(0, head_end));
  auto go_on = c.read();
  CHECK(go_on.result_int() == 100);
  c.send(bytes.substr(head_end));
  CHECK(c.read().result_int() == 200);
}

TEST_CASE("handler failures and handler-chosen request ids") {
  server_fixture f;
  raw_client c(f.endpoint());
  auto boom = c.exchange(wire(signed_request(f, "GET", "/boom", "")));
  CHECK(boom.result_int() == 500);
  CHECK(json::parse(boom.body()).at("code").as_string() == "InternalFailure");
  CHECK(boom.body().find("the handler broke") == std::string::npos);  // no internals to the client
  auto with_id = c.exchange(wire(signed_request(f, "GET", "/with-id", "")));
  CHECK(field(with_id, "x-amzn-RequestId") == "handler-id");
}

TEST_CASE("without [[admin.key]], only the public routes answer") {
  policy::config cfg = admin_config();
  cfg.admin.keys.clear();
  server_fixture f(cfg);
  raw_client c(f.endpoint());
  CHECK(c.exchange(get(f, "/healthz")).result_int() == 200);
  auto res = c.exchange(wire(signed_request(f, "GET", "/v2/email/identities", "")));
  CHECK(res.result_int() == 403);
  CHECK(field(res, "x-amzn-ErrorType") == "AccessDenied");
  CHECK(f.log.snapshot().empty());
}

TEST_CASE("graceful stop") {
  server_fixture f;
  raw_client idle(f.endpoint());
  CHECK(idle.exchange(get(f, "/healthz")).result_int() == 200);

  raw_client busy(f.endpoint());
  busy.send(wire(signed_request(f, "GET", "/slow", "")));
  REQUIRE(f.wait_connections(2));
  std::this_thread::sleep_for(100ms);  // the slow handler is running
  f.server->stop();

  // The idle connection is closed; the busy one gets its answer, marked close, then closes.
  CHECK(idle.closed());
  auto res = busy.read();
  CHECK(res.result_int() == 200);
  CHECK(res.body() == "slow done");
  CHECK(!res.keep_alive());
  CHECK(busy.closed());
  CHECK(f.wait_connections(0));

  // No new connections.
  std::this_thread::sleep_for(50ms);
  boost::system::error_code ec;
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect(f.endpoint(), ec);
  CHECK(ec == asio::error::connection_refused);
}

TEST_CASE("shutdown() closes what does not finish within the grace period") {
  server_fixture f;
  raw_client busy(f.endpoint());
  busy.send(wire(signed_request(f, "GET", "/slow", "")));
  REQUIRE(f.wait_connections(1));
  std::this_thread::sleep_for(50ms);
  auto done = asio::co_spawn(f.io, f.server->shutdown(50ms), asio::use_future);
  CHECK(done.wait_for(3s) == std::future_status::ready);
  CHECK(f.server->connections() == 0);
}

asio::awaitable<http_response> console_stub(std::string* seen_client, http_request request, std::string client) {
  *seen_client = client;
  http_response r;
  r.body = "console " + request.path + (request.access_key_id.empty() ? "" : " signed?");
  r.headers.emplace_back("Set-Cookie", "a=1; Path=/console/");
  r.headers.emplace_back("Set-Cookie", "b=2; Path=/console/");
  co_return r;
}

TEST_CASE("/console/ goes to the console handler without SigV4; the API ignores its cookie") {
  std::string client;
  http_server_options options;
  options.console = [&client](http_request r, std::string c) { return console_stub(&client, std::move(r), std::move(c)); };
  server_fixture f(admin_config(), std::move(options));
  raw_client c(f.endpoint());

  auto page = c.exchange(get(f, "/console/login"));
  CHECK(page.result_int() == 200);
  CHECK(page.body() == "console /console/login");
  CHECK(client == "127.0.0.1");
  // Both cookies reach the client (one header each), not just the last one.
  std::vector<std::string> cookies;
  for (const auto& h : page) {
    if (h.name_string() == "Set-Cookie") cookies.emplace_back(h.value());
  }
  CHECK(cookies == std::vector<std::string>{"a=1; Path=/console/", "b=2; Path=/console/"});

  auto api = c.exchange(get(f, "/v2/email/identities", "Cookie: mfrelay_console=abc\r\n"));
  CHECK(api.result_int() == 403);
  CHECK(f.log.snapshot().empty());  // the SigV4 handler saw nothing
}

}  // namespace
}  // namespace mfrelay::relay
