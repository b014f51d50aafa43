// The MAIL FROM verification state machine (DESIGN.md): every transition of
// advance() as a table, then simulated timelines against the 72-hour window
// and a 5-second one.
#include <doctest/doctest.h>

#include "fixtures.hpp"
#include "policy/verification.hpp"

namespace mfrelay::policy {
namespace {

using namespace std::chrono_literals;
using test::t0;
using test::pending;
using test::success;
using test::temporary_failure;
using test::failed;
constexpr auto pass = check_result::pass;
constexpr auto fail = check_result::fail;
constexpr auto inconclusive = check_result::inconclusive;

TEST_CASE("advance: every transition") {
  // The state began at t0; the check runs at t0 + after.
  struct row {
    mail_from_status from;
    check_result result;
    duration after;
    mail_from_status to;
    bool since_now;  // the new state begins at the check; otherwise `since` stays t0
    next_check next;
  };
  const row rows[] = {
      {pending, pass, 1min, success, true, next_check::regular},
      {pending, pass, 71h, success, true, next_check::regular},
      {pending, fail, 1min, pending, false, next_check::regular},
      {pending, fail, 72h - 1ms, pending, false, next_check::regular},
      {pending, fail, 72h, failed, true, next_check::never},
      {pending, fail, 100h, failed, true, next_check::never},
      {pending, inconclusive, 1min, pending, false, next_check::soon},
      {pending, inconclusive, 100h, pending, false, next_check::soon},  // even past the window
      {success, pass, 1min, success, false, next_check::regular},
      {success, pass, 1000h, success, false, next_check::regular},
      {success, fail, 1min, temporary_failure, true, next_check::regular},
      {success, fail, 1000h, temporary_failure, true, next_check::regular},  // Success has no window
      {success, inconclusive, 1000h, success, false, next_check::soon},     // never flap on resolver trouble
      {temporary_failure, pass, 1min, success, true, next_check::regular},
      {temporary_failure, pass, 72h - 1ms, success, true, next_check::regular},
      {temporary_failure, fail, 1min, temporary_failure, false, next_check::regular},
      {temporary_failure, fail, 72h - 1ms, temporary_failure, false, next_check::regular},
      {temporary_failure, fail, 72h, failed, true, next_check::never},
      {temporary_failure, inconclusive, 1min, temporary_failure, false, next_check::soon},
      {temporary_failure, inconclusive, 100h, temporary_failure, false, next_check::soon},
      {failed, pass, 1min, failed, false, next_check::never},  // Failed stops checking; a pass does not revive it
      {failed, fail, 1min, failed, false, next_check::never},
      {failed, inconclusive, 1min, failed, false, next_check::never},
  };
  for (const auto& r : rows) {
    CAPTURE(r.from);
    CAPTURE(r.result);
    CAPTURE(r.after.count());
    const timestamp now = t0 + r.after;
    transition t = advance({r.from, t0}, r.result, now, 72h);
    CHECK(t.state.status == r.to);
    CHECK(t.state.since == (r.since_now ? now : t0));
    CHECK(t.changed == (r.to != r.from));
    CHECK(t.next == r.next);
  }
}

TEST_CASE("a new or changed setting starts Pending now") {
  CHECK(initial_state(t0) == verification_state{pending, t0});
}

// Runs a check every `step` from `start` while `now < end`, with `outcome(now)`,
// and returns the state after the last one.
template <typename Outcome>
verification_state run(verification_state state, timestamp start, timestamp end, duration step, duration window,
                       Outcome outcome) {
  for (timestamp now = start; now < end; now += step) state = advance(state, outcome(now), now, window).state;
  return state;
}

TEST_CASE("timeline: Pending with the MX absent fails after exactly 72 hours") {
  auto absent = [](timestamp) { return fail; };
  verification_state s = run(initial_state(t0), t0, t0 + 72h, 5min, 72h, absent);
  CHECK(s == verification_state{pending, t0});  // last check at 71h55m

  transition t = advance(s, fail, t0 + 71h + 59min, 72h);
  CHECK(t.state == verification_state{pending, t0});
  CHECK_FALSE(t.changed);
  CHECK(t.next == next_check::regular);

  t = advance(t.state, fail, t0 + 72h, 72h);
  CHECK(t.state == verification_state{failed, t0 + 72h});
  CHECK(t.changed);
  CHECK(t.next == next_check::never);

  // Failed stops checking: a record published later does not revive it.
  transition later = advance(t.state, pass, t0 + 73h, 72h);
  CHECK(later.state == verification_state{failed, t0 + 72h});
  CHECK_FALSE(later.changed);
  CHECK(later.next == next_check::never);
}

TEST_CASE("timeline: a pass at any time before the window moves Pending to Success") {
  const duration pass_at[] = {0ms, 5min, 24h, 71h + 55min, 72h - 1ms};
  for (auto when : pass_at) {
    CAPTURE(when.count());
    auto outcome = [&](timestamp now) { return now >= t0 + when ? pass : fail; };
    verification_state s = run(initial_state(t0), t0, t0 + when, 5min, 72h, outcome);
    transition t = advance(s, pass, t0 + when, 72h);
    CHECK(t.state == verification_state{success, t0 + when});
    CHECK(t.changed == true);
    // And it stays Success through later passing checks, well past the window.
    CHECK(run(t.state, t0 + when + 1h, t0 + 200h, 1h, 72h, outcome) == verification_state{success, t0 + when});
  }
}

TEST_CASE("timeline: TemporaryFailure started at T fails at T + 72h") {
  const timestamp lost = t0 + 10h;  // the MX record disappears here
  auto outcome = [&](timestamp now) { return now < lost ? pass : fail; };
  verification_state s = run(initial_state(t0), t0, lost, 1h, 72h, outcome);
  REQUIRE(s == verification_state{success, t0});

  transition t = advance(s, fail, lost, 72h);
  CHECK(t.state == verification_state{temporary_failure, lost});
  CHECK(t.changed);
  CHECK(t.next == next_check::regular);

  s = run(t.state, lost + 5min, lost + 72h, 5min, 72h, outcome);
  CHECK(s == verification_state{temporary_failure, lost});
  CHECK(advance(s, fail, lost + 72h - 1ms, 72h).state == verification_state{temporary_failure, lost});
  t = advance(s, fail, lost + 72h, 72h);
  CHECK(t.state == verification_state{failed, lost + 72h});
  CHECK(t.next == next_check::never);
}

TEST_CASE("timeline: recovering restarts the window on the next failure") {
  transition t = advance({success, t0}, fail, t0 + 1h, 72h);  // TemporaryFailure since 1h
  t = advance(t.state, pass, t0 + 50h, 72h);                  // back to Success at 50h
  CHECK(t.state == verification_state{success, t0 + 50h});
  t = advance(t.state, fail, t0 + 60h, 72h);                  // a new TemporaryFailure since 60h
  CHECK(t.state == verification_state{temporary_failure, t0 + 60h});
  // 73h after the first failure, but only 14h into this one.
  CHECK(advance(t.state, fail, t0 + 74h, 72h).state == verification_state{temporary_failure, t0 + 60h});
  CHECK(advance(t.state, fail, t0 + 132h, 72h).state.status == failed);
}

TEST_CASE("timeline: inconclusive checks never move the state, even for days") {
  const verification_state starts[] = {{pending, t0}, {success, t0}, {temporary_failure, t0}};
  for (const auto& start : starts) {
    CAPTURE(start.status);
    verification_state s = start;
    int changed = 0, not_soon = 0;
    for (timestamp now = t0; now < t0 + 240h; now += 1min) {
      transition t = advance(s, inconclusive, now, 72h);
      changed += t.changed;
      not_soon += t.next != next_check::soon;
      s = t.state;
    }
    CHECK(s == start);
    CHECK(changed == 0);
    CHECK(not_soon == 0);
  }
}

TEST_CASE("timeline: the same rules with a 5-second window") {
  const duration window = 5s;
  auto absent = [](timestamp) { return fail; };
  verification_state s = run(initial_state(t0), t0, t0 + 5s, 1s, window, absent);
  CHECK(s == verification_state{pending, t0});
  CHECK(advance(s, fail, t0 + 4999ms, window).state == verification_state{pending, t0});
  CHECK(advance(s, inconclusive, t0 + 60s, window).state == verification_state{pending, t0});
  transition t = advance(s, fail, t0 + 5s, window);
  CHECK(t.state == verification_state{failed, t0 + 5s});
  CHECK(t.next == next_check::never);

  CHECK(advance(s, pass, t0 + 4s, window).state == verification_state{success, t0 + 4s});

  const timestamp lost = t0 + 30s;
  t = advance({success, t0}, fail, lost, window);
  CHECK(t.state == verification_state{temporary_failure, lost});
  s = run(t.state, lost + 1s, lost + 5s, 1s, window, absent);
  CHECK(s == verification_state{temporary_failure, lost});
  CHECK(advance(s, fail, lost + 5s, window).state == verification_state{failed, lost + 5s});
  CHECK(advance(s, pass, lost + 4s, window).state == verification_state{success, lost + 4s});
}

}  // namespace
}  // namespace mfrelay::policy
