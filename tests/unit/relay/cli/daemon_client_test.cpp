// How the CLI reaches the running daemon: a request built from [admin] and
// signed with the first [[admin.key]], checked by the real admin HTTP server
// (SigV4 verification included), and every refusal turned into a message.
#include <doctest/doctest.h>

#include "relay/admin/server_fixture.hpp"
#include "relay/cli/daemon_client.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;

policy::config config_for(const server_fixture& f, std::string host = "127.0.0.1") {
  policy::config cfg = admin_config();
  cfg.admin.address = {std::move(host), f.endpoint().port()};
  cfg.relay.region = f.backend.config()->relay.region;  // the daemon takes credentials scoped to its region only
  return cfg;
}

TEST_CASE("a signed call: the server verifies the signature, the handler sees the request") {
  server_fixture f;
  policy::config cfg = config_for(f, "0.0.0.0");  // a wildcard address is reached on loopback
  http_client_request r = admin_api_request(cfg, "PUT", "/v2/email/identities/billing%40example.com/mail-from?x=a%2Bb",
                                            R"({"MailFromDomain":"bounce.example.com"})", "application/json");
  CHECK(r.url == "http://127.0.0.1:" + std::to_string(f.endpoint().port()) +
                     "/v2/email/identities/billing%40example.com/mail-from?x=a%2Bb");
  http_client_result result = http_fetch_blocking(r);
  REQUIRE(result.ok());
  CHECK(result.response.status == 200);
  CHECK(result.response.body == R"({"handled":true})");

  auto seen = f.log.snapshot();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].access_key_id == "AKIDEXAMPLE");
  CHECK(seen[0].path == "/v2/email/identities/billing@example.com/mail-from");
  CHECK(seen[0].query.find("x")->second == "a+b");
  CHECK(seen[0].headers.at("content-type") == "application/json");
}

TEST_CASE("call_daemon: the JSON answer, or why there is none") {
  server_fixture f;
  SUBCASE("answered") {
    daemon_answer a = call_daemon(config_for(f), "GET", "/v2/email/identities");
    REQUIRE(a.json);
    CHECK(a.reached);
    CHECK(a.json->as_object().at("handled").as_bool());
  }
  SUBCASE("a key the daemon does not know: its refusal, with its message") {
    policy::config cfg = config_for(f);
    cfg.admin.keys.front().secret_access_key = "wrong";
    daemon_answer a = call_daemon(cfg, "GET", "/v2/email/identities");
    CHECK(a.reached);
    CHECK_FALSE(a.json);
    CHECK(a.error.find("the daemon answered 403") == 0);
  }
  SUBCASE("no key to sign with") {
    policy::config cfg = config_for(f);
    cfg.admin.keys.clear();
    daemon_answer a = call_daemon(cfg, "GET", "/v2/email/identities");
    CHECK_FALSE(a.reached);
    CHECK(a.error == "no [[admin.key]] is configured to sign requests to the daemon");
  }
  SUBCASE("nobody listening") {
    policy::config cfg = config_for(f);
    asio::ip::tcp::acceptor closed(f.io, {asio::ip::address_v4::loopback(), 0});
    cfg.admin.address.port = closed.local_endpoint().port();
    closed.close();
    daemon_answer a = call_daemon(cfg, "GET", "/v2/email/identities");
    CHECK_FALSE(a.reached);
    CHECK(a.error.find("is not reachable: cannot connect to") != std::string::npos);
  }
}

}  // namespace
}  // namespace mfrelay::relay
