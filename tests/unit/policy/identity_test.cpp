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
      {"@example.com", "'@example.com' is not a valid email address: its local part is empty"},
      {"billing@", "'billing@' is not a valid email address: its domain is empty"},
      {"a@b@example.com",
       "'a@b@example.com' is not a valid email address: its local part 'a@b' is neither a dot-atom nor a quoted string"},
      {"a..b@example.com",
       "'a..b@example.com' is not a valid email address: its local part 'a..b' is neither a dot-atom nor a quoted "
       "string"},
      {"user@[192.0.2.1]",  // literals are not identities
       "'user@[192.0.2.1]' is not a valid email address: an identity's domain must be a domain name, not an address "
       "literal"},
      // Without an IDNA conversion (relay/ passes libidn2's), U-labels are refused.
      {"d\xc3\xa9st.test", "'d\xc3\xa9st.test' is not a valid domain: it holds non-ASCII characters"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto parsed = parse_identity_name(r.text);
    CHECK_FALSE(parsed.value);
    CHECK(parsed.error == r.error);
  }
}

using test::fake_idna;

TEST_CASE("parse_identity_name gives the one form identities are matched on") {
  struct row {
    std::string text, name;
  };
  const row rows[] = {
      // RFC 5322 3.4.1: quoting what needs no quotes names the same mailbox.
      {"\"billing\"@example.com", "billing@example.com"},
      {"\"bill\\ing\"@example.com", "billing@example.com"},
      {"\"first.last\"@example.com", "first.last@example.com"},
      // A local part that needs its quotes keeps them, minimally escaped.
      {"\"john doe\"@example.com", "\"john doe\"@example.com"},
      {"\"john\\ doe\"@example.com", "\"john doe\"@example.com"},
      {"\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com"},
      {"\"a..b\"@example.com", "\"a..b\"@example.com"},
      // Case is kept, as for unquoted local parts.
      {"\"Billing\"@example.com", "Billing@example.com"},
      // U-labels become A-labels, so both spellings are one identity.
      {"d\xc3\xa9st.test", "xn--dst-bma.test"},
      {"xn--DST-bma.test", "xn--dst-bma.test"},
      {"billing@d\xc3\xa9st.test", "billing@xn--dst-bma.test"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto parsed = parse_identity_name(r.text, &fake_idna);
    REQUIRE_MESSAGE(parsed.value, parsed.error);
    CHECK(parsed.value->name == r.name);
  }
  CHECK(parse_identity_name("x@m\xc3\xa9.test", &fake_idna).error ==
        "'x@m\xc3\xa9.test' is not a valid email address: its domain 'm\xc3\xa9.test' is not valid: it is not a valid "
        "internationalized domain name: not in the fake's table");
}

TEST_CASE("identity names with bidi controls, invisible or control characters are refused") {
  struct row {
    std::string text, error;
  };
  const row rows[] = {
      {"bill\xe2\x80\xaegnp.example.com@example.com",  // U+202E RIGHT-TO-LEFT OVERRIDE
       "'bill<U+202E>gnp.example.com@example.com' holds U+202E, a bidirectional control: a name must not hide, "
       "reorder or disguise its characters"},
      {"\xe2\x81\xa6" "billing@example.com",  // U+2066 LEFT-TO-RIGHT ISOLATE
       "'<U+2066>billing@example.com' holds U+2066, a bidirectional control: a name must not hide, reorder or "
       "disguise its characters"},
      {"billing\xe2\x80\x8f@example.com",  // U+200F RIGHT-TO-LEFT MARK
       "'billing<U+200F>@example.com' holds U+200F, a bidirectional control: a name must not hide, reorder or "
       "disguise its characters"},
      {"billing\xd8\x9c@example.com",  // U+061C ARABIC LETTER MARK
       "'billing<U+061C>@example.com' holds U+061C, a bidirectional control: a name must not hide, reorder or "
       "disguise its characters"},
      {"\xef\xbb\xbf" "billing@example.com",  // U+FEFF ZERO WIDTH NO-BREAK SPACE (BOM)
       "'<U+FEFF>billing@example.com' holds U+FEFF, an invisible character: a name must not hide, reorder or "
       "disguise its characters"},
      {"bil\xe2\x80\x8bling@example.com",  // U+200B ZERO WIDTH SPACE
       "'bil<U+200B>ling@example.com' holds U+200B, an invisible character: a name must not hide, reorder or "
       "disguise its characters"},
      {"bil\xe2\x81\xa0ling@example.com",  // U+2060 WORD JOINER
       "'bil<U+2060>ling@example.com' holds U+2060, an invisible character: a name must not hide, reorder or "
       "disguise its characters"},
      {"bil\xc2\xadling@example.com",  // U+00AD SOFT HYPHEN
       "'bil<U+00AD>ling@example.com' holds U+00AD, an invisible character: a name must not hide, reorder or "
       "disguise its characters"},
      {"bil\xc2\x85ling@example.com",  // U+0085 NEXT LINE (C1)
       "'bil<U+0085>ling@example.com' holds U+0085, a control character: a name must not hide, reorder or "
       "disguise its characters"},
      {"\"bil\tling\"@example.com",  // a tab inside quotes
       "'\"bil<U+0009>ling\"@example.com' holds U+0009, a control character: a name must not hide, reorder or "
       "disguise its characters"},
      {"bil\xffling@example.com", "'bil<invalid UTF-8>ling@example.com' is not valid UTF-8"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto parsed = parse_identity_name(r.text, &fake_idna);
    CHECK_FALSE(parsed.value);
    CHECK(parsed.error == r.error);
  }
  // Visible non-ASCII is fine.
  CHECK(parse_identity_name("jos\xc3\xa9@example.com").value);
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
