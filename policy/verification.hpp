// The MAIL FROM verification state machine (DESIGN.md), as a pure transition
// function: the caller passes the check outcome and the time. Any thread.
#pragma once
#include <optional>
#include <string_view>

#include "policy/time.hpp"

namespace mfrelay::policy {

enum class mail_from_status { pending, success, temporary_failure, failed };

// "Pending", "Success", "TemporaryFailure", "Failed" (SES v1 spelling).
std::string_view to_string(mail_from_status status);
// "PENDING", "SUCCESS", "TEMPORARY_FAILURE", "FAILED" (SES v2 spelling).
std::string_view to_v2_string(mail_from_status status);
std::optional<mail_from_status> parse_mail_from_status(std::string_view text);

struct verification_state {
  mail_from_status status = mail_from_status::pending;
  timestamp since{};  // when the current status began
  friend bool operator==(const verification_state&, const verification_state&) = default;
};

// What one DNS check concluded. `inconclusive` is resolver trouble (timeout,
// SERVFAIL, REFUSED, a malformed answer): it never moves the state.
enum class check_result { pass, fail, inconclusive };
std::string_view to_string(check_result result);

// When the verifier should look again.
enum class next_check {
  regular,  // the interval for the (new) status
  soon,     // the check was inconclusive: retry on the short interval
  never,    // Failed: no more checks until the setting is set again
};

struct transition {
  verification_state state;  // the state after the check
  bool changed = false;      // state.status differs from before
  next_check next = next_check::regular;
};

// Applies one check outcome at `now`. `window` is how long Pending and
// TemporaryFailure may last before Failed (72 h by default).
transition advance(verification_state current, check_result result, timestamp now, duration window);

// The state a new or changed MAIL FROM setting starts in.
inline verification_state initial_state(timestamp now) { return {mail_from_status::pending, now}; }

}  // namespace mfrelay::policy
