// The delivery queue routes `mfrelay queue` calls: the listing's fields, flush,
// delete with its refusals (not a message id, unknown, being delivered), and
// that the router sends /v1/queue here rather than to mfrelay_api.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "fake_backend.hpp"
#include "relay/admin/admin_router.hpp"
#include "relay/admin/queue_api.hpp"
#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
namespace json = boost::json;

const std::string id1 = "010001a2170bf0eb-5a000000-0000-0000-0000-000000000001-000000";
const std::string id2 = "010001a2170bf0eb-5a000000-0000-0000-0000-000000000002-000000";

struct queue_api_fixture : api_fixture<queue_api> {
  queue_api_fixture() {
    queued_message a;
    a.id = id1;
    a.sender = "app@example.com";
    a.recipients = {"b@example.net"};
    a.destination = "ses";
    a.received_at = relay::now() - std::chrono::minutes(3);
    a.attempts = 2;
    a.last_error = "smtp; 451 4.2.1 mailbox busy";
    a.next_attempt = relay::now() + std::chrono::minutes(5);
    queued_message b = a;
    b.id = id2;
    b.last_error.clear();
    b.next_attempt.reset();
    b.in_flight = true;
    backend.queued = {a, b};
  }
  http_response call(std::string method, std::string target) {
    return handle(rest(std::move(method), std::move(target)));
  }
};

TEST_CASE_FIXTURE(queue_api_fixture, "GET /v1/queue lists every message with its age, attempts and last error") {
  auto r = call("GET", "/v1/queue");
  REQUIRE(r.status == 200);
  auto rows = json::parse(r.body).as_array();
  REQUIRE(rows.size() == 2);
  const auto& a = rows[0].as_object();
  CHECK(a.at("id") == json::value(id1));
  CHECK(a.at("sender") == "app@example.com");
  CHECK(a.at("recipients") == json::array{"b@example.net"});
  CHECK(a.at("destination") == "ses");
  CHECK(a.at("attempts") == 2);
  CHECK(a.at("ageSeconds").to_number<std::int64_t>() >= 180);
  CHECK(a.at("lastError") == "smtp; 451 4.2.1 mailbox busy");
  CHECK(a.at("nextAttempt").is_string());
  CHECK(a.at("inFlight") == false);
  const auto& b = rows[1].as_object();
  CHECK(b.at("lastError").is_null());
  CHECK(b.at("nextAttempt").is_null());
  CHECK(b.at("inFlight") == true);
}

TEST_CASE_FIXTURE(queue_api_fixture, "POST /v1/queue/flush and DELETE /v1/queue/{id}, with their refusals") {
  auto flushed = call("POST", "/v1/queue/flush");
  CHECK(flushed.status == 200);
  CHECK(json::parse(flushed.body) == json::parse(R"({"flushed":2})"));
  CHECK(backend.queue_flushes == 1);

  auto busy = call("DELETE", "/v1/queue/" + id2);
  CHECK(busy.status == 409);
  CHECK(json::parse(busy.body).at("code") == "ConflictException");

  auto deleted = call("DELETE", "/v1/queue/" + id1);
  CHECK(deleted.status == 200);
  CHECK(json::parse(deleted.body) == json::value(json::object{{"deleted", id1}}));
  auto again = call("DELETE", "/v1/queue/" + id1);
  CHECK(again.status == 404);
  CHECK(json::parse(again.body).at("message") == json::value("no queued message " + id1));

  auto bad = call("DELETE", "/v1/queue/..%2Fetc");
  CHECK(bad.status == 400);
  CHECK(backend.queue_removed == std::vector<std::string>{id2, id1, id1});  // the bad id never reached it
  CHECK(call("PUT", "/v1/queue").status == 404);
}

TEST_CASE("admin_router: /v1/queue goes to the queue routes") {
  fake_backend backend;
  admin_router router(backend);
  auto r = run(router.handle(rest("GET", "/v1/queue"), "req-1"));
  CHECK(r.status == 200);
  CHECK(r.body == "[]");
}

}  // namespace
}  // namespace mfrelay::relay
