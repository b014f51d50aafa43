// judge_attempt(): the sorting of one attempt's outcomes and the next retry
// time, with time as a parameter: no server, no timers, no sleeps.
#include "relay/delivery/attempt_outcome.hpp"

#include <doctest/doctest.h>

#include "relay/delivery/delivery_trouble.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
using strings = std::vector<std::string>;

const policy::timestamp t0 = policy::timestamp{} + 1000h;

recipient_outcome outcome(std::string address, recipient_fate fate, std::string status) {
  delivery_verdict v;
  v.fate = fate;
  v.status = std::move(status);
  v.diagnostic = "smtp; " + v.status;
  return {std::move(address), std::move(v)};
}

policy::delivery_settings settings() {
  policy::delivery_settings d;
  d.retry_schedule = {200ms, 300ms};
  d.max_age = 1h;
  return d;
}

strings addresses(const std::vector<recipient_outcome>& list) {
  strings out;
  for (const auto& o : list) out.push_back(o.address);
  return out;
}

TEST_CASE("every recipient lands in exactly one group, in order") {
  auto out = judge_attempt(1, t0,
                           {outcome("a@x.test", recipient_fate::delivered, "2.0.0"),
                            outcome("b@x.test", recipient_fate::bounced, "5.1.1"),
                            outcome("c@x.test", recipient_fate::deferred, "4.3.0"),
                            outcome("d@x.test", recipient_fate::delivered, "2.0.0")},
                           "192.0.2.1", t0 + 5s, settings(), "relay.test");
  CHECK(addresses(out.delivered) == strings{"a@x.test", "d@x.test"});
  CHECK(addresses(out.bounced) == strings{"b@x.test"});
  CHECK(addresses(out.delayed) == strings{"c@x.test"});
  CHECK(out.expired.empty());
  CHECK(out.attempt.number == 1);
  CHECK(out.attempt.at == t0 + 5s);
  CHECK(out.attempt.reporting_mta == "relay.test");
  CHECK(out.attempt.remote_mta_ip == "192.0.2.1");
  CHECK(out.attempt.expires == t0 + 1h);
}

TEST_CASE("deferred recipients are retried on the schedule, its last step repeating") {
  const auto deferred = std::vector{outcome("a@x.test", recipient_fate::deferred, "4.3.0")};
  CHECK(judge_attempt(1, t0, deferred, "", t0 + 1s, settings(), "r").retry_at == t0 + 1s + 200ms);
  CHECK(judge_attempt(2, t0, deferred, "", t0 + 2s, settings(), "r").retry_at == t0 + 2s + 300ms);
  CHECK(judge_attempt(7, t0, deferred, "", t0 + 9s, settings(), "r").retry_at == t0 + 9s + 300ms);
}

TEST_CASE("the last retry is at expiry, never after it") {
  const auto deferred = std::vector{outcome("a@x.test", recipient_fate::deferred, "4.3.0")};
  auto out = judge_attempt(3, t0, deferred, "", t0 + 1h - 100ms, settings(), "r");
  CHECK(out.retry_at == t0 + 1h);
}

TEST_CASE("deferred at or past expiry: bounced as expired (4.4.7), quoting the deferral") {
  for (auto now : {t0 + 1h, t0 + 2h}) {
    auto out = judge_attempt(4, t0, {outcome("a@x.test", recipient_fate::deferred, "4.3.0")}, "", now, settings(), "r");
    CHECK(out.delayed.empty());
    CHECK_FALSE(out.retry_at);
    REQUIRE(out.expired.size() == 1);
    CHECK(out.expired[0].address == "a@x.test");
    CHECK(out.expired[0].verdict == judge_expired(outcome("", recipient_fate::deferred, "4.3.0").verdict));
    CHECK(out.expired[0].verdict.status == "4.4.7");
    CHECK(out.expired[0].verdict.fate == recipient_fate::bounced);
  }
}

TEST_CASE("nothing deferred: no retry") {
  auto out = judge_attempt(1, t0, {outcome("a@x.test", recipient_fate::delivered, "2.0.0")}, "", t0, settings(), "r");
  CHECK_FALSE(out.retry_at);
}

}  // namespace
}  // namespace mfrelay::relay
