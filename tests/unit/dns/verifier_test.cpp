// dns/verifier with a scripted checker and a recording sink on a real io_context:
// every state-machine path, the schedule, the concurrency bound and reloads.
#include "dns/verifier.hpp"

#include <doctest/doctest.h>

#include "verifier_fakes.hpp"

namespace mfrelay::dns {
namespace {

using namespace test;
using namespace std::chrono_literals;
using policy::check_result;
using policy::next_check;


// n Pending targets d0.example .. d<n-1>.example whose MAIL FROM domains all pass.
std::vector<verification_target> passing_targets(verifier_fixture& f, int n) {
  std::vector<verification_target> targets;
  for (int i = 0; i < n; ++i) {
    std::string domain = "mail.d" + std::to_string(i) + ".example";
    f.checker.answers[domain] = passing();
    targets.push_back(target("d" + std::to_string(i) + ".example", domain, pending));
  }
  return targets;
}

TEST_CASE("verifier: Pending -> Success, then checked again on success_interval") {
  verifier_fixture f;
  auto s = quick_settings();
  s.success_interval = 40ms;
  f.start(s);
  f.checker.answers["mail.example.com"] = passing();
  f.v->update_targets({target("example.com", "mail.example.com", pending)});

  REQUIRE(f.run_until_reports(1));
  const auto& r = f.sink.reports[0];
  CHECK(r.identity == "example.com");
  CHECK(r.mail_from_domain == "mail.example.com");
  CHECK(r.before == pending);
  CHECK(r.evidence.result == check_result::pass);
  CHECK(r.transition.changed);
  CHECK(r.transition.state == policy::verification_state{mail_from_status::success, t0});
  CHECK(r.checked_at == t0);
  CHECK(r.answers.mx.records.size() == 1);
  CHECK(f.v->state_of("example.com")->status == mail_from_status::success);
  CHECK(f.v->checks_completed() == 1);

  REQUIRE(f.run_until_reports(2, 1s));
  CHECK(f.sink.reports[1].before.status == mail_from_status::success);
  CHECK_FALSE(f.sink.reports[1].transition.changed);  // recorded even without a transition
}

TEST_CASE("verifier: Success -> TemporaryFailure -> Success") {
  verifier_fixture f;
  auto s = quick_settings();
  s.success_interval = s.pending_interval = 30ms;
  f.start(s);
  f.checker.answers["mail.example.com"] = passing();
  f.v->update_targets({target("example.com", "mail.example.com", success)});
  REQUIRE(f.run_until_reports(1));
  CHECK_FALSE(f.sink.reports[0].transition.changed);

  f.now = t0 + 1min;
  f.checker.answers["mail.example.com"] = wrong_exchange();
  REQUIRE(f.run_until_reports(2));
  CHECK(f.sink.reports[1].transition.state == policy::verification_state{mail_from_status::temporary_failure, t0 + 1min});

  f.now = t0 + 2min;
  f.checker.answers["mail.example.com"] = passing();
  REQUIRE(f.run_until_reports(3));
  CHECK(f.sink.reports[2].before.status == mail_from_status::temporary_failure);
  CHECK(f.sink.reports[2].transition.state == policy::verification_state{mail_from_status::success, t0 + 2min});
}

TEST_CASE("verifier: TemporaryFailure -> Failed once the window passed; Failed is not checked again") {
  verifier_fixture f;
  auto s = quick_settings();
  s.pending_interval = 20ms;
  f.start(s);
  f.checker.answers["mail.example.com"] = answer(dns_outcome::nxdomain);
  f.v->update_targets({target("example.com", "mail.example.com", temp_failure)});
  REQUIRE(f.run_until_reports(1));
  CHECK(f.sink.reports[0].evidence.result == check_result::fail);
  CHECK(f.sink.reports[0].transition.state == temp_failure);  // within the window: stays

  f.now = t0 + 1h;
  REQUIRE(f.run_until_reports(2));
  CHECK(f.sink.reports[1].transition.state == policy::verification_state{mail_from_status::failed, t0 + 1h});
  CHECK(f.sink.reports[1].transition.next == next_check::never);

  run_for(f.io, 150ms);
  CHECK(f.checker.calls["mail.example.com"] == 2);
  CHECK_FALSE(f.v->check_now("example.com"));
  CHECK(f.v->state_of("example.com")->status == mail_from_status::failed);
}

TEST_CASE("verifier: Pending -> Failed once the window passed") {
  verifier_fixture f;
  auto s = quick_settings();
  s.pending_interval = 20ms;
  f.start(s);
  f.checker.answers["mail.example.com"] = answer(dns_outcome::nodata);
  f.v->update_targets({target("example.com", "mail.example.com", pending)});
  REQUIRE(f.run_until_reports(1));
  CHECK(f.sink.reports[0].transition.state == pending);
  f.now = t0 + 1h;
  REQUIRE(f.run_until_reports(2));
  CHECK(f.sink.reports[1].transition.state.status == mail_from_status::failed);
}

TEST_CASE("verifier: answers that fail the check") {
  struct row {
    const char* name;
    dns_check answers;
  };
  for (const auto& [name, answers] : {
           row{"several MX", answer(dns_outcome::ok, {{10, feedback}, {20, feedback}})},
           row{"wrong exchange", wrong_exchange()},
           row{"NXDOMAIN", answer(dns_outcome::nxdomain)},
           row{"no MX", answer(dns_outcome::nodata)},
       }) {
    CAPTURE(name);
    verifier_fixture f;
    f.start();
    f.checker.answers["mail.example.com"] = answers;
    f.checker.answers["bounce.example.org"] = answers;
    f.v->update_targets({target("example.com", "mail.example.com", pending),
                         target("example.org", "bounce.example.org", success)});
    REQUIRE(f.run_until_reports(2));
    for (const auto& r : f.sink.reports) {
      CHECK(r.evidence.result == check_result::fail);
      if (r.before.status == mail_from_status::pending) CHECK(r.transition.state == pending);  // never Success
      if (r.before.status == mail_from_status::success) CHECK(r.transition.state.status == mail_from_status::temporary_failure);
    }
  }
}

TEST_CASE("verifier: resolver trouble leaves the state alone and retries on retry_interval") {
  for (auto outcome : {dns_outcome::servfail, dns_outcome::timeout, dns_outcome::refused}) {
    CAPTURE(policy::to_string(outcome));
    verifier_fixture f;
    auto s = quick_settings();  // pending and success intervals are 10 s
    s.retry_interval = 30ms;
    f.start(s);
    f.checker.answers["mail.example.com"] = answer(outcome);
    f.checker.answers["bounce.example.org"] = answer(outcome);
    f.v->update_targets({target("example.com", "mail.example.com", pending),
                         target("example.org", "bounce.example.org", success)});
    REQUIRE(f.run_until_reports(4, 1s));  // two rounds in well under 10 s
    for (const auto& r : f.sink.reports) {
      CHECK(r.evidence.result == check_result::inconclusive);
      CHECK_FALSE(r.transition.changed);
      CHECK(r.transition.next == next_check::soon);
    }
    CHECK(f.v->state_of("example.org") == success);  // never flaps on resolver trouble
    CHECK(f.v->state_of("example.com") == pending);
  }
}

TEST_CASE("verifier: a Failed target is never checked") {
  verifier_fixture f;
  auto s = quick_settings();
  s.pending_interval = s.retry_interval = 10ms;
  f.start(s);
  f.v->update_targets({target("example.com", "mail.example.com", failed)});
  run_for(f.io, 100ms);
  CHECK(f.checker.calls.empty());
  CHECK_FALSE(f.v->check_now("example.com"));
  CHECK(f.v->state_of("example.com") == failed);
}

TEST_CASE("verifier: never more than `concurrency` checks in flight") {
  verifier_fixture f;
  auto s = quick_settings();
  s.concurrency = 3;
  f.start(s);
  f.checker.delay = 30ms;
  f.v->update_targets(passing_targets(f, 10));
  std::size_t most = 0;
  REQUIRE(run_until(f.io, [&] {
    most = std::max(most, f.v->checks_in_flight());
    return f.sink.completed == 10;
  }));
  CHECK(f.checker.max_running == 3);
  CHECK(most == 3);
  for (const auto& [domain, calls] : f.checker.calls) CHECK(calls == 1);  // each got its turn once
  CHECK(f.v->checks_in_flight() == 0);
}

TEST_CASE("verifier: a slow sink does not hold the lookup slots") {
  // The slot bounds the DNS lookups in flight; the durable write that follows
  // them waits without one, so the checks that finish while the store commits
  // reach it together (one group commit) and the next lookups are not held back.
  verifier_fixture f;
  auto s = quick_settings();
  s.concurrency = 2;
  f.start(s);
  f.checker.delay = 10ms;
  f.sink.hold = true;  // the store is busy: no record() returns
  f.v->update_targets(passing_targets(f, 6));
  REQUIRE(run_until(f.io, [&] { return f.sink.reports.size() == 6; }));
  CHECK(f.checker.max_running == 2);  // still never more than `concurrency` lookups
  CHECK(f.sink.completed == 0);
  CHECK(f.v->checks_in_flight() == 6);  // every check waits for the sink, none adopted yet
  CHECK(f.v->state_of("d0.example") == pending);

  f.sink.release();
  REQUIRE(f.run_until_reports(6));
  CHECK(f.v->state_of("d0.example")->status == mail_from_status::success);
  REQUIRE(run_until(f.io, [&] { return f.v->checks_in_flight() == 0; }));
}

TEST_CASE("verifier: checks waiting for a slow sink are bounded by concurrency * backlog_per_slot") {
  // Each check waiting for the store holds its answers and report: with the
  // store stuck, no more than the backlog may pile up, and none is lost.
  verifier_fixture f;
  auto s = quick_settings();
  s.concurrency = 2;
  s.backlog_per_slot = 3;
  f.start(s);
  f.sink.hold = true;
  f.v->update_targets(passing_targets(f, 20));
  REQUIRE(run_until(f.io, [&] { return f.sink.reports.size() == 6; }));
  run_for(f.io, 50ms);
  CHECK(f.sink.reports.size() == 6);    // 2 * 3, no more
  CHECK(f.v->checks_in_flight() == 6);
  std::size_t asked = 0;
  for (const auto& [domain, calls] : f.checker.calls) asked += calls;
  CHECK(asked == 6);  // the rest wait in the ready queue, with no lookups out

  f.sink.release();
  REQUIRE(f.run_until_reports(20));
  REQUIRE(run_until(f.io, [&] { return f.v->checks_in_flight() == 0; }));
  for (int i = 0; i < 20; ++i) CHECK(f.v->state_of("d" + std::to_string(i) + ".example")->status == mail_from_status::success);
}

TEST_CASE("verifier: a first pass checks new targets in the order given, spread over the jitter window") {
  // The store's rows were written in this order: checking them in it keeps a
  // group commit on neighbouring pages (scripts/bench verify).
  verifier_fixture f;
  auto s = quick_settings();
  s.concurrency = 1;  // one check at a time: the reports come in check order
  s.retry_interval = 200ms;
  s.jitter = 0.5;  // spread over 100 ms
  f.start(s);
  auto targets = passing_targets(f, 40);
  std::vector<std::string> given;
  for (const auto& t : targets) given.push_back(t.identity);
  f.v->update_targets(std::move(targets));
  REQUIRE(f.run_until_reports(40));
  std::vector<std::string> checked;
  for (const auto& r : f.sink.reports) checked.push_back(r.identity);
  CHECK(checked == given);
}

TEST_CASE("verifier: new targets are spread over the whole window, however many already-checked ones come first") {
  // A restart: 30 targets checked a moment ago (not due for success_interval),
  // then 10 never checked. The 10 share the first-check window among themselves;
  // counted among all 40 they would start at 3/4 of it.
  verifier_fixture f;
  auto s = quick_settings();
  s.concurrency = 1;
  s.retry_interval = 2s;
  s.jitter = 0.5;  // a window of 1 s
  s.success_interval = 1h;
  f.start(s);
  auto earlier = passing_targets(f, 10);  // b0..b9 at 0, 100, ..., 900 ms
  for (int i = 0; i < 10; ++i) earlier[i].identity = "b" + std::to_string(i) + ".example";
  f.v->update_targets(earlier);
  auto all = earlier;
  for (int i = 0; i < 30; ++i) {
    all.push_back(target("c" + std::to_string(i) + ".example", "mail.c.example",
                         policy::verification_state{mail_from_status::success, t0}, f.now));
  }
  auto later = passing_targets(f, 10);  // d0..d9: never checked
  all.insert(all.end(), later.begin(), later.end());
  f.v->update_targets(std::move(all));
  REQUIRE(f.run_until_reports(20, 5s));
  std::vector<std::string> checked;
  for (const auto& r : f.sink.reports) checked.push_back(r.identity);
  const auto rank_of = [&](const std::string& id) { return std::find(checked.begin(), checked.end(), id) - checked.begin(); };
  CHECK(rank_of("d0.example") < rank_of("b2.example"));  // at once, not after 750 ms
  CHECK(rank_of("d9.example") > rank_of("b8.example"));  // and still spread to the end
  CHECK(f.checker.calls.count("mail.c.example") == 0);  // the checked ones wait for their interval
}

}  // namespace
}  // namespace mfrelay::dns
