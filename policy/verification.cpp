#include "policy/verification.hpp"

namespace mfrelay::policy {

std::string_view to_string(mail_from_status status) {
  switch (status) {
    case mail_from_status::pending: return "Pending";
    case mail_from_status::success: return "Success";
    case mail_from_status::temporary_failure: return "TemporaryFailure";
    case mail_from_status::failed: return "Failed";
  }
  return "Pending";
}

std::string_view to_v2_string(mail_from_status status) {
  switch (status) {
    case mail_from_status::pending: return "PENDING";
    case mail_from_status::success: return "SUCCESS";
    case mail_from_status::temporary_failure: return "TEMPORARY_FAILURE";
    case mail_from_status::failed: return "FAILED";
  }
  return "PENDING";
}

std::optional<mail_from_status> parse_mail_from_status(std::string_view text) {
  for (auto s : {mail_from_status::pending, mail_from_status::success, mail_from_status::temporary_failure,
                 mail_from_status::failed}) {
    if (text == to_string(s) || text == to_v2_string(s)) return s;
  }
  return std::nullopt;
}

std::string_view to_string(check_result result) {
  switch (result) {
    case check_result::pass: return "pass";
    case check_result::fail: return "fail";
    case check_result::inconclusive: return "inconclusive";
  }
  return "inconclusive";
}

transition advance(verification_state current, check_result result, timestamp now, duration window) {
  auto move_to = [&](mail_from_status status) {
    return transition{{status, now}, true, status == mail_from_status::failed ? next_check::never : next_check::regular};
  };
  auto stay = [&](next_check next) { return transition{current, false, next}; };

  if (current.status == mail_from_status::failed) return stay(next_check::never);
  if (result == check_result::inconclusive) return stay(next_check::soon);

  switch (current.status) {
    case mail_from_status::success:
      return result == check_result::pass ? stay(next_check::regular) : move_to(mail_from_status::temporary_failure);
    case mail_from_status::pending:
    case mail_from_status::temporary_failure:
      if (result == check_result::pass) return move_to(mail_from_status::success);
      if (now >= current.since + window) return move_to(mail_from_status::failed);
      return stay(next_check::regular);
    case mail_from_status::failed:
      break;
  }
  return stay(next_check::never);
}

}  // namespace mfrelay::policy
