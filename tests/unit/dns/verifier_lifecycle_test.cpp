// dns/verifier around the checks: reloads (update_targets), the sink as the point of
// durability, check_now, stop, and when first checks happen.
#include "dns/verifier.hpp"

#include <doctest/doctest.h>

#include "verifier_fakes.hpp"

namespace mfrelay::dns {
namespace {

using namespace test;
using namespace std::chrono_literals;


TEST_CASE("verifier: a target removed by update_targets stops being checked") {
  verifier_fixture f;
  auto s = quick_settings();
  s.pending_interval = s.retry_interval = 20ms;
  f.start(s);
  auto a = target("a.example", "mail.a.example", pending);
  f.v->update_targets({a, target("b.example", "mail.b.example", pending)});
  REQUIRE(run_until(f.io, [&] { return f.checker.calls["mail.b.example"] >= 2; }));

  f.v->update_targets({a});
  int b_calls = f.checker.calls["mail.b.example"];
  int a_calls = f.checker.calls["mail.a.example"];
  run_for(f.io, 150ms);
  CHECK(f.checker.calls["mail.b.example"] == b_calls);
  CHECK(f.checker.calls["mail.a.example"] > a_calls);
  CHECK_FALSE(f.v->state_of("b.example"));
  CHECK_FALSE(f.v->check_now("b.example"));
}

TEST_CASE("verifier: a check in flight for a removed target is not recorded") {
  verifier_fixture f;
  f.start();
  f.checker.held.insert("mail.b.example");
  f.v->update_targets({target("b.example", "mail.b.example", pending)});
  REQUIRE(run_until(f.io, [&] { return f.checker.calls["mail.b.example"] == 1; }));
  f.v->update_targets({});
  f.checker.release("mail.b.example");
  run_for(f.io, 50ms);
  CHECK(f.sink.reports.empty());
  CHECK(f.v->checks_in_flight() == 0);
}

TEST_CASE("verifier: a changed MAIL FROM domain is a new target, from the state given") {
  verifier_fixture f;
  auto s = quick_settings();
  s.success_interval = 20ms;
  f.start(s);
  f.checker.answers["old.example.com"] = passing();
  f.checker.answers["new.example.com"] = passing();
  f.v->update_targets({target("example.com", "old.example.com", success)});
  REQUIRE(f.run_until_reports(1));

  f.now = t0 + 1min;
  f.v->update_targets({target("example.com", "new.example.com", policy::initial_state(f.now))});
  CHECK(f.v->state_of("example.com")->status == mail_from_status::pending);
  REQUIRE(run_until(f.io, [&] { return !f.sink.for_domain("new.example.com").empty(); }));
  auto first = f.sink.for_domain("new.example.com").front();
  CHECK(first.before == policy::verification_state{mail_from_status::pending, t0 + 1min});
  CHECK(first.transition.state.status == mail_from_status::success);

  int old_calls = f.checker.calls["old.example.com"];
  run_for(f.io, 100ms);
  CHECK(f.checker.calls["old.example.com"] == old_calls);
}

TEST_CASE("verifier: an unchanged target keeps its schedule across update_targets") {
  verifier_fixture f;
  f.start();  // every interval 10 s
  f.checker.answers["mail.example.com"] = passing();
  f.v->update_targets({target("example.com", "mail.example.com", pending)});
  REQUIRE(f.run_until_reports(1));
  auto adopted = *f.v->state_of("example.com");
  f.v->update_targets({target("example.com", "mail.example.com", adopted, f.now)});
  run_for(f.io, 100ms);
  CHECK(f.checker.calls["mail.example.com"] == 1);

  // The same domain set again from another state (Failed, then set again): restarts.
  f.v->update_targets({target("example.com", "mail.example.com", pending)});
  REQUIRE(f.run_until_reports(2));
}

TEST_CASE("verifier: the sink is awaited before the new state is used") {
  verifier_fixture f;
  auto s = quick_settings();
  s.success_interval = s.pending_interval = 20ms;
  f.start(s);
  f.checker.answers["mail.example.com"] = passing();
  f.sink.hold = true;
  f.v->update_targets({target("example.com", "mail.example.com", pending)});
  REQUIRE(run_until(f.io, [&] { return f.sink.reports.size() == 1; }));

  run_for(f.io, 100ms);  // several intervals: no next check while the record is pending
  CHECK(f.checker.calls["mail.example.com"] == 1);
  CHECK(f.v->state_of("example.com") == pending);
  CHECK(f.v->checks_completed() == 0);
  CHECK(f.v->checks_in_flight() == 1);

  f.sink.release();
  REQUIRE(f.run_until_reports(2));
  CHECK(f.v->checks_completed() >= 2);
  CHECK(f.sink.reports[1].before.status == mail_from_status::success);
}

TEST_CASE("verifier: a sink that throws adopts nothing and the check is retried") {
  verifier_fixture f;
  auto s = quick_settings();
  s.retry_interval = 30ms;
  f.start(s);
  f.checker.answers["mail.example.com"] = passing();
  f.sink.fail_next = true;
  f.v->update_targets({target("example.com", "mail.example.com", pending)});
  REQUIRE(f.run_until_reports(1));
  CHECK(f.v->checks_failed() == 1);
  CHECK(f.sink.reports.size() == 2);
  CHECK(f.sink.reports[1].before == pending);  // the failed record was not adopted
  CHECK(f.v->state_of("example.com")->status == mail_from_status::success);
}

TEST_CASE("verifier: check_now") {
  verifier_fixture f;
  f.start();  // every interval 10 s
  f.checker.answers["mail.example.com"] = passing();
  f.v->update_targets({target("example.com", "mail.example.com", pending)});
  REQUIRE(f.run_until_reports(1));
  CHECK_FALSE(f.v->check_now("unknown.example"));

  CHECK(f.v->check_now("example.com"));
  REQUIRE(f.run_until_reports(2, 1s));

  // During a check: one more follows it at once.
  f.checker.held.insert("mail.example.com");
  CHECK(f.v->check_now("example.com"));
  REQUIRE(run_until(f.io, [&] { return f.checker.calls["mail.example.com"] == 3; }));
  CHECK(f.v->check_now("example.com"));
  f.checker.release("mail.example.com");
  REQUIRE(f.run_until_reports(4, 1s));
  run_for(f.io, 50ms);
  CHECK(f.checker.calls["mail.example.com"] == 4);
}

TEST_CASE("verifier: stop drops results in flight and ignores later calls") {
  verifier_fixture f;
  f.start();
  f.checker.answers["mail.example.com"] = passing();
  f.checker.held.insert("mail.example.com");
  f.v->update_targets({target("example.com", "mail.example.com", pending)});
  REQUIRE(run_until(f.io, [&] { return f.checker.running == 1; }));
  f.v->stop();
  CHECK_FALSE(f.v->check_now("example.com"));
  f.v->update_targets({target("x.example", "mail.x.example", pending)});
  CHECK_FALSE(f.v->state_of("x.example"));

  bool idle = false;
  asio::co_spawn(f.io, f.v->wait_idle(), [&](std::exception_ptr) { idle = true; });
  run_for(f.io, 30ms);
  CHECK_FALSE(idle);  // the held check is still in flight
  f.checker.release_all();
  REQUIRE(run_until(f.io, [&] { return idle; }));
  CHECK(f.sink.reports.empty());
  CHECK(f.v->checks_in_flight() == 0);
}

TEST_CASE("verifier: the verifier may be destroyed with a check in flight") {
  verifier_fixture f;
  f.start();
  f.checker.answers["mail.example.com"] = passing();
  f.checker.held.insert("mail.example.com");
  f.v->update_targets({target("example.com", "mail.example.com", pending)});
  REQUIRE(run_until(f.io, [&] { return f.checker.running == 1; }));
  f.v.reset();
  f.checker.release_all();
  run_for(f.io, 30ms);  // the check ends against the shared core, records nothing
  CHECK(f.checker.running == 0);
  CHECK(f.sink.reports.empty());
}

TEST_CASE("verifier: first check follows last_check + the status's interval") {
  verifier_fixture f;
  auto s = quick_settings();
  s.success_interval = 300ms;
  f.start(s);
  f.checker.answers["recent.example"] = passing();
  f.checker.answers["overdue.example"] = passing();
  f.v->update_targets({target("recent", "recent.example", success, t0 - 50ms),
                       target("overdue", "overdue.example", success, t0 - 1h)});
  REQUIRE(run_until(f.io, [&] { return f.checker.calls["overdue.example"] == 1; }, 50ms));
  run_for(f.io, 50ms);
  CHECK(f.checker.calls["recent.example"] == 0);  // due at t0 + 250 ms
  REQUIRE(run_until(f.io, [&] { return f.checker.calls["recent.example"] == 1; }, 1s));
}

}  // namespace
}  // namespace mfrelay::dns
