// The names of MAIL FROM states and check results as the SES APIs spell them
// (v1 "TemporaryFailure", v2 "TEMPORARY_FAILURE"), both ways.
#include <doctest/doctest.h>

#include <string>

#include "fixtures.hpp"
#include "policy/verification.hpp"

namespace mfrelay::policy {
namespace {

TEST_CASE("mail_from_status spellings round-trip") {
  struct row {
    mail_from_status status;
    std::string v1, v2;
  };
  const row rows[] = {
      {mail_from_status::pending, "Pending", "PENDING"},
      {mail_from_status::success, "Success", "SUCCESS"},
      {mail_from_status::temporary_failure, "TemporaryFailure", "TEMPORARY_FAILURE"},
      {mail_from_status::failed, "Failed", "FAILED"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.v1);
    CHECK(to_string(r.status) == r.v1);
    CHECK(to_v2_string(r.status) == r.v2);
    CHECK(parse_mail_from_status(r.v1) == r.status);
    CHECK(parse_mail_from_status(r.v2) == r.status);
  }
}

TEST_CASE("parse_mail_from_status refuses other spellings") {
  const std::string rows[] = {"", "pending", "success", "Temporary_Failure", "TEMPORARYFAILURE", "NotStarted",
                              " Pending", "Failed "};
  for (const auto& text : rows) {
    CAPTURE(text);
    CHECK_FALSE(parse_mail_from_status(text));
  }
}

TEST_CASE("check_result names") {
  CHECK(to_string(check_result::pass) == "pass");
  CHECK(to_string(check_result::fail) == "fail");
  CHECK(to_string(check_result::inconclusive) == "inconclusive");
}

}  // namespace
}  // namespace mfrelay::policy
