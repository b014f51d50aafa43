// The router: which API answers which request, and the request id it stamps.
#include <doctest/doctest.h>

#include "fake_backend.hpp"
#include "relay/admin/admin_router.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;

TEST_CASE("admin_router sends each request to its API and stamps x-amzn-RequestId") {
  fake_backend backend;
  admin_router router(backend);

  auto v1 = run(router.handle(form_post("Action=ListIdentities&Version=2010-12-01&IdentityType=EmailAddress")));
  CHECK(v1.status == 200);
  CHECK(v1.content_type == "text/xml");
  std::string id = header(v1, "x-amzn-RequestId");
  CHECK(id.size() == 36);
  CHECK(v1.body.find("<RequestId>" + id + "</RequestId>") != std::string::npos);

  auto v2 = run(router.handle(rest("GET", "/v2/email/identities/example.com"), "given-id"));
  CHECK(v2.status == 200);
  CHECK(json_of(v2).at("IdentityType") == "DOMAIN");
  CHECK(header(v2, "x-amzn-RequestId") == "given-id");

  auto own = run(router.handle(rest("GET", "/v1/status")));
  CHECK(own.status == 200);
  CHECK(json_of(own).as_array().size() == 4);

  auto unknown = run(router.handle(rest("GET", "/v3/anything"), "id-3"));
  CHECK(unknown.status == 404);
  CHECK(json_of(unknown).at("code") == "UnknownOperationException");
  CHECK(json_of(unknown).at("requestId") == "id-3");

  auto root_get = run(router.handle(rest("GET", "/"), "id-4"));
  CHECK(root_get.status == 404);
  CHECK(root_get.body.find("<Code>UnknownOperationException</Code>") != std::string::npos);

  auto get_v1 = run(router.handle(rest("GET", "/?Action=ListIdentities&Version=2010-12-01")));
  CHECK(get_v1.status == 200);
  CHECK(get_v1.body.find("<ListIdentitiesResult>") != std::string::npos);
}

TEST_CASE("admin_router: a failing backend propagates (admin_gate answers 500)") {
  struct throwing_backend final : admin_backend {
    std::shared_ptr<const policy::config> config() const override { throw std::runtime_error("store gone"); }
    std::vector<stored_state> stored_states() const override { return {}; }
    boost::asio::awaitable<std::vector<policy::config_error>> change(identity_change) override {
      co_return std::vector<policy::config_error>{};
    }
    boost::asio::awaitable<bool> verify_now(std::string) override { co_return false; }
    std::string metrics_text() const override { return {}; }
    bool ready() const override { return true; }
  } backend;
  admin_router router(backend);
  CHECK_THROWS_WITH_AS(run(router.handle(rest("GET", "/v1/status"))), "store gone", std::runtime_error);
}

}  // namespace
}  // namespace mfrelay::relay
