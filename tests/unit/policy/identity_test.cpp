// Identity names as declared in policy.d (domains and addresses, normalized or
// refused with a reason) and the behavior-on-MX-failure spellings.
#include <doctest/doctest.h>

#include <string>

#include "fixtures.hpp"
#include "policy/identity.hpp"

namespace mfrelay::policy {
namespace {

TEST_CASE("parse_identity_name classifies and normalizes") {
  struct row {
    std::string text, name;
    identity_kind kind;
    std::string domain;
  };
  const row rows[] = {
      {"example.com", "example.com", identity_kind::domain, "example.com"},
      {"Example.COM.", "example.com", identity_kind::domain, "example.com"},
      {"Sub.Example.com", "sub.example.com", identity_kind::domain, "sub.example.com"},
      {"Billing@Example.com", "Billing@example.com", identity_kind::email_address, "example.com"},
      {"billing@example.com.", "billing@example.com", identity_kind::email_address, "example.com"},
      {"\"a@b\"@Example.com", "\"a@b\"@example.com", identity_kind::email_address, "example.com"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto parsed = parse_identity_name(r.text);
    REQUIRE(parsed.value);
    CHECK(parsed.error == "");
    CHECK(parsed.value->name == r.name);
    CHECK(parsed.value->kind == r.kind);
    // identity::domain() is what the MAIL FROM domain must sit under.
    identity id;
    id.name = parsed.value->name;
    id.kind = parsed.value->kind;
    CHECK(id.domain() == r.domain);
  }
}

TEST_CASE("parse_identity_name says why a name is refused") {
  struct row {
    std::string text, error;
  };
  const row rows[] = {
      {"", "'' is not a valid domain: it is empty"},
      {"com", "'com' is not a valid domain: it has a single label"},
      {"ex_ample.com", "'ex_ample.com' is not a valid domain: label 'ex_ample' has a character other than letters, "
                       "digits and '-'"},
      {"*.example.com", "'*.example.com' is not a valid domain: label '*' has a character other than letters, "
                        "digits and '-'"},
      {"-x.example.com", "'-x.example.com' is not a valid domain: label '-x' starts or ends with '-'"},
      {"a..example.com", "'a..example.com' is not a valid domain: it has an empty label"},
      {"@example.com", "'@example.com' is not a valid email address"},
      {"billing@", "'billing@' is not a valid email address"},
      {"a@b@example.com", "'a@b@example.com' is not a valid email address"},
      {"a..b@example.com", "'a..b@example.com' is not a valid email address"},
      {"user@[192.0.2.1]", "'user@[192.0.2.1]' is not a valid email address"},  // literals are not identities
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto parsed = parse_identity_name(r.text);
    CHECK_FALSE(parsed.value);
    CHECK(parsed.error == r.error);
  }
}

TEST_CASE("behavior on MX failure: SES v1 and v2 spellings") {
  struct row {
    std::string text;
    mx_failure_behavior behavior;
  };
  const row rows[] = {
      {"UseDefaultValue", mx_failure_behavior::use_default_value},
      {"USE_DEFAULT_VALUE", mx_failure_behavior::use_default_value},
      {"RejectMessage", mx_failure_behavior::reject_message},
      {"REJECT_MESSAGE", mx_failure_behavior::reject_message},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    CHECK(parse_mx_failure_behavior(r.text) == r.behavior);
  }
  CHECK(to_string(mx_failure_behavior::use_default_value) == "UseDefaultValue");
  CHECK(to_string(mx_failure_behavior::reject_message) == "RejectMessage");
  CHECK(identity{}.behavior == mx_failure_behavior::use_default_value);  // SES's default
}

TEST_CASE("parse_mx_failure_behavior refuses other spellings") {
  const std::string rows[] = {"", "usedefaultvalue", "useDefaultValue", "Reject", "REJECTMESSAGE", "reject_message",
                              " RejectMessage", "RejectMessage ", "Default"};
  for (const auto& text : rows) {
    CAPTURE(text);
    CHECK_FALSE(parse_mx_failure_behavior(text));
  }
}

}  // namespace
}  // namespace mfrelay::policy
