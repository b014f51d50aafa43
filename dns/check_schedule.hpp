// The verifier's timing rules as pure functions: the delay before a target's first
// check and the interval after each check, with jitter. Any thread; no I/O, no clock
// (time and randomness are parameters); no untrusted input.
#pragma once
#include <optional>

#include "policy/time.hpp"
#include "policy/verification.hpp"

namespace mfrelay::dns {

struct check_intervals {
  policy::duration pending{};  // Pending and TemporaryFailure
  policy::duration success{};
  policy::duration retry{};  // after an inconclusive check
  double jitter = 0.1;       // clamped to [0, 0.5]
};

// `d` scaled by a factor in [1 - jitter, 1 + jitter], picked by `unit` in [0, 1).
policy::duration jittered(policy::duration d, double jitter, double unit);

// The regular interval for a status; nullopt for Failed (never again).
std::optional<policy::duration> regular_interval(const check_intervals& in, policy::mail_from_status status);

// After a check: how long until the next one (jittered), nullopt for never.
std::optional<policy::duration> interval_after(const check_intervals& in, const policy::transition& t, double unit);

// A target just handed to the verifier: how long from `now` until its first check;
// nullopt when Failed. With no last check, or one overdue, it is spread over
// [0, jitter * retry) so a restart with many identities does not check them all at once.
std::optional<policy::duration> first_delay(const check_intervals& in, const policy::verification_state& state,
                                            std::optional<policy::timestamp> last_check, policy::timestamp now,
                                            double unit);

// Whether first_delay puts the target in that window (never checked, or its
// regular check overdue by the unjittered interval); false when Failed. The
// verifier spreads those over the window among themselves.
bool starts_in_window(const check_intervals& in, const policy::verification_state& state,
                      std::optional<policy::timestamp> last_check, policy::timestamp now);

}  // namespace mfrelay::dns
