// Email addresses from SMTP clients and From headers: what parses, how it is
// normalized (domain only; local parts are case-sensitive), what is refused.
#include <doctest/doctest.h>

#include <string>

#include "policy/email_address.hpp"

namespace mfrelay::policy {
namespace {

TEST_CASE("parse_email_address accepts mailboxes and normalizes only the domain") {
  struct row {
    std::string text, local, domain;
  };
  const row rows[] = {
      {"user@example.com", "user", "example.com"},
      {"First.Last@Example.COM.", "First.Last", "example.com"},
      {"a+tag@mail.example.com", "a+tag", "mail.example.com"},
      {"!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~", "example.com"},
      {"x@a-b.example", "x", "a-b.example"},
      // Quoted local parts, kept as written; '@' and spaces are fine inside quotes.
      {"\"john doe\"@example.com", "\"john doe\"", "example.com"},
      {"\"a@b\"@example.com", "\"a@b\"", "example.com"},
      {"\"a@b@c\"@example.com", "\"a@b@c\"", "example.com"},
      {"\"a\\\"b\"@example.com", "\"a\\\"b\"", "example.com"},
      {"\"a..b\"@example.com", "\"a..b\"", "example.com"},
      // RFC 6531: UTF-8 local parts.
      {"jos\xc3\xa9@example.com", "jos\xc3\xa9", "example.com"},
      {"\xe7\x94\xa8\xe6\x88\xb7@example.com", "\xe7\x94\xa8\xe6\x88\xb7", "example.com"},
      {"\"jos\xc3\xa9 l\xc3\xb3pez\"@example.com", "\"jos\xc3\xa9 l\xc3\xb3pez\"", "example.com"},
      // Address literals.
      {"user@[192.0.2.1]", "user", "[192.0.2.1]"},
      {"user@[IPv6:2001:db8::1]", "user", "[IPv6:2001:db8::1]"},
      // The longest local part (64 octets).
      {std::string(64, 'a') + "@example.com", std::string(64, 'a'), "example.com"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto parsed = parse_email_address(r.text);
    REQUIRE(parsed);
    CHECK(parsed->local == r.local);
    CHECK(parsed->domain == r.domain);
  }
}

TEST_CASE("parse_email_address refuses what is not a mailbox") {
  const std::string long_label(63, 'a');
  const std::string rows[] = {
      "",
      "user",
      "@example.com",                 // empty local part
      "user@",                        // missing domain
      "user@.",
      "@a,@b:u@c.com",                // source route
      "@a.example:u@c.example",       // source route, one hop
      "a..b@example.com",             // double dot
      ".a@example.com",
      "a.@example.com",
      "a@b@example.com",              // unquoted '@'
      "\"\"@example.com",                // empty quoted local part
      "us er@example.com",
      "user@example.com ",
      " user@example.com",
      "<user@example.com>",
      "user@exa_mple.com",
      "user@example..com",
      "user@-example.com",
      "\"unterminated@example.com",
      "\"a\"b@example.com",           // text after the closing quote
      "\"a\rb\"@example.com",         // CR inside quotes
      "\"a\nb\"@example.com",
      "user@[]",
      "user@[192.0.2.1",
      std::string(65, 'a') + "@example.com",                                   // local part too long
      "u@" + long_label + "." + long_label + "." + long_label + "." + long_label + ".com",  // domain too long
  };
  for (const auto& text : rows) {
    CAPTURE(text);
    CHECK_FALSE(parse_email_address(text));
  }
}

TEST_CASE("an address literal must hold an IP address") {
  const std::string accepted[] = {"u@[192.0.2.1]", "u@[IPv6:::1]", "u@[IPv6:2001:db8::1]",
                                  "u@[IPv6:::ffff:192.0.2.1]"};
  for (const auto& text : accepted) {
    CAPTURE(text);
    CHECK(parse_email_address(text));
  }
  const std::string refused[] = {
      "u@[999.1.1.1]", "u@[192.0.2]", "u@[1234]", "u@[...]", "u@[::1]",  // IPv6 needs the "IPv6:" tag
      "u@[IPv6:1:::2]", "u@[IPv6:192.0.2.1]", "u@[IPv6]", "u@[6]",
  };
  for (const auto& text : refused) {
    CAPTURE(text);
    CHECK_FALSE(parse_email_address(text));
  }
}

TEST_CASE("str() rebuilds the address with the normalized domain") {
  auto parsed = parse_email_address("Billing@Example.COM.");
  REQUIRE(parsed);
  CHECK(parsed->str() == "Billing@example.com");
  CHECK(*parsed == email_address{"Billing", "example.com", ""});
  CHECK_FALSE(*parsed == email_address{"billing", "example.com", ""});
  auto quoted = parse_email_address("\"a@b\"@example.com");
  REQUIRE(quoted);
  CHECK(quoted->str() == "\"a@b\"@example.com");
}

TEST_CASE("canonical_local_part: quotes only where they are needed, case kept") {
  struct row {
    std::string local, canonical;
  };
  const row rows[] = {
      {"billing", "billing"},
      {"Billing", "Billing"},
      {"\"billing\"", "billing"},
      {"\"bill\\ing\"", "billing"},
      {"\"first.last\"", "first.last"},
      {"\"a+tag\"", "a+tag"},
      {"\"jos\xc3\xa9\"", "jos\xc3\xa9"},
      {"\"john doe\"", "\"john doe\""},
      {"\"john\\ doe\"", "\"john doe\""},
      {"\"a@b\"", "\"a@b\""},
      {"\"a\\\"b\"", "\"a\\\"b\""},
      {"\"a\\\\b\"", "\"a\\\\b\""},
      {"\"a..b\"", "\"a..b\""},
      {"\".a\"", "\".a\""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.local);
    CHECK(canonical_local_part(r.local) == r.canonical);
  }
  auto parsed = parse_email_address("\"Bill\\ing\"@Example.COM");
  REQUIRE(parsed);
  CHECK(parsed->str() == "\"Bill\\ing\"@example.com");  // kept as written for delivery
  CHECK(parsed->canonical() == "Billing@example.com");
}

TEST_CASE("check_email_address says why an address is refused") {
  struct row {
    std::string text, error;
  };
  const row rows[] = {
      {"", "it is empty"},
      {"user", "it has no '@'"},
      {"@example.com", "its local part is empty"},
      {"user@", "its domain is empty"},
      {"@relay.org:billing@example.com", "source routes (\"@relay:user@domain\") are not accepted"},
      {std::string(900, 'a') + "@example.com", "its local part is 900 octets long, more than 64"},
      {"a..b@example.com", "its local part 'a..b' is neither a dot-atom nor a quoted string"},
      {"\"unterminated@example.com", "its quoted local part has no closing '\"'"},
      {"\"a\"b@example.com", "its quoted local part is not followed by '@'"},
      {"user@ex_ample.com",
       "its domain 'ex_ample.com' is not valid: label 'ex_ample' has a character other than letters, digits and '-'"},
      {"x@ex\xc3\xa4mple.com", "its domain 'ex\xc3\xa4mple.com' is not valid: it holds non-ASCII characters"},
      {"user@[192.0.2]", "its domain '[192.0.2]' is not an address literal"},
      {"u@" + std::string(300, 'a'), "its domain is 300 octets long, more than 255"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    email_address_result result = check_email_address(r.text);
    CHECK_FALSE(result.value);
    CHECK(result.error == r.error);
  }
}

TEST_CASE("a U-label domain is kept as written and matched by its A-label") {
  auto idna = [](std::string_view domain) -> idna_result {
    if (domain == "d\xc3\xa9st.test") return {"xn--dst-bma.test", ""};
    return {"", "invalid"};
  };
  auto parsed = parse_email_address("u@D\xc3\xa9st.test", +idna);
  // normalize_domain lower-cases ASCII only; the converter sees "d\xc3\xa9st.test".
  REQUIRE(parsed);
  CHECK(parsed->domain == "d\xc3\xa9st.test");
  CHECK(parsed->ascii_domain == "xn--dst-bma.test");
  CHECK(parsed->str() == "u@d\xc3\xa9st.test");
  CHECK(parsed->canonical() == "u@xn--dst-bma.test");
  // An ASCII domain needs no second form.
  auto ascii = parse_email_address("u@xn--DST-bma.test", +idna);
  REQUIRE(ascii);
  CHECK(ascii->ascii_domain == "");
  CHECK(ascii->canonical() == "u@xn--dst-bma.test");
  CHECK(check_email_address("u@b\xc3\xa4" "d.test", +idna).error ==
        "its domain 'b\xc3\xa4" "d.test' is not valid: it is not a valid internationalized domain name: invalid");
}

}  // namespace
}  // namespace mfrelay::policy
