// validate_identities: a custom MAIL FROM domain must be a valid hostname, a
// proper subdomain of its identity's domain (SES's wording), and not itself a
// sending identity. Each error points at the offending mail_from_domain key.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "policy/config.hpp"

namespace mfrelay::policy {
namespace {

using namespace test;

struct expected_error {
  std::uint32_t line;  // in policy.d/test.toml, column 1
  std::string message;
};

void check_errors(const std::vector<config_error>& actual, const std::vector<expected_error>& expected) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(actual[i].message == expected[i].message);
    CHECK(actual[i].where.file == "policy.d/test.toml");
    CHECK(actual[i].where.line == expected[i].line);
    CHECK(actual[i].where.column == 1);
  }
}

std::string not_subdomain(const std::string& mail_from, const std::string& identity) {
  return "Provided MAIL-FROM domain " + mail_from + " is not subdomain of the domain of the identity " + identity + ".";
}

TEST_CASE("valid MAIL FROM settings pass") {
  const identity_table table = make_table({
      make_identity("example.com", "mail.example.com"),
      make_identity("sub.example.com", "bounce.sub.example.com", reject_msg, 3),
      make_identity("other.example.com", "a.b.other.example.com", use_default, 5),
      make_identity("billing@example.com", "bounce.example.com", reject_msg, 7),
      make_identity("ops@example.com", "x.y.example.com", use_default, 9),
      make_identity("plain.example", "", use_default, 11),
  });
  CHECK(validate_identities(table).empty());
  CHECK(validate_identities(identity_table{}).empty());
}

TEST_CASE("each MAIL FROM rule, one identity at a time") {
  // The identity sits on line 10; its mail_from_domain key on line 11.
  struct row {
    std::string identity, mail_from, message;
  };
  const row rows[] = {
      {"example.com", "mail_x.example.com",
       "MAIL FROM domain 'mail_x.example.com' is not a valid hostname: label 'mail_x' has a character other than "
       "letters, digits and '-'"},
      {"example.com", "-mail.example.com",
       "MAIL FROM domain '-mail.example.com' is not a valid hostname: label '-mail' starts or ends with '-'"},
      {"example.com", "mail..example.com",
       "MAIL FROM domain 'mail..example.com' is not a valid hostname: it has an empty label"},
      {"example.com", "mail", "MAIL FROM domain 'mail' is not a valid hostname: it has a single label"},
      {"example.com", "mail.example.net", not_subdomain("mail.example.net", "example.com")},
      {"example.com", "mailexample.com", not_subdomain("mailexample.com", "example.com")},
      {"example.com", "Example.COM.", not_subdomain("example.com", "example.com")},  // its own domain
      {"sub.example.com", "mail.example.com", not_subdomain("mail.example.com", "sub.example.com")},  // a sibling
      {"sub.example.com", "example.com", not_subdomain("example.com", "sub.example.com")},            // its parent
      // An address identity's MAIL FROM domain must sit under the address's domain.
      {"billing@example.com", "bounce.example.net", not_subdomain("bounce.example.net", "billing@example.com")},
      {"billing@example.com", "example.com", not_subdomain("example.com", "billing@example.com")},
      {"billing@sub.example.com", "bounce.example.com",
       not_subdomain("bounce.example.com", "billing@sub.example.com")},
  };
  for (const auto& r : rows) {
    CAPTURE(r.identity);
    CAPTURE(r.mail_from);
    const identity_table table = make_table({make_identity(r.identity, r.mail_from, use_default, 10)});
    check_errors(validate_identities(table), {{11, r.message}});
  }
}

TEST_CASE("a MAIL FROM domain that is itself a sending identity") {
  const identity_table table = make_table({
      make_identity("example.com", "mail.example.com", use_default, 1),
      make_identity("mail.example.com", "", use_default, 7),
  });
  check_errors(validate_identities(table),
               {{2, "MAIL FROM domain mail.example.com is itself a sending identity (declared at "
                    "policy.d/test.toml:7:1); it must be a domain that sends no mail, as it receives the feedback"}});
}

TEST_CASE("an address identity's MAIL FROM domain may not be a declared identity either") {
  const identity_table table = make_table({
      make_identity("sub.example.com", "", use_default, 1),
      make_identity("billing@example.com", "sub.example.com", reject_msg, 4),
  });
  check_errors(validate_identities(table),
               {{5, "MAIL FROM domain sub.example.com is itself a sending identity (declared at "
                    "policy.d/test.toml:1:1); it must be a domain that sends no mail, as it receives the feedback"}});
}

TEST_CASE("an identity whose MAIL FROM domain is its own domain gets one error, not two") {
  // The identity example.com is declared, so the second rule would also match
  // it; the subdomain rule is the one that says what is wrong.
  const identity_table table = make_table({
      make_identity("example.com", "example.com", use_default, 1),
      make_identity("billing@example.com", "example.com", use_default, 4),
  });
  check_errors(validate_identities(table), {{2, not_subdomain("example.com", "example.com")},
                                            {5, not_subdomain("example.com", "billing@example.com")}});
}

TEST_CASE("errors come in declaration order, each at its own entry") {
  const identity_table table = make_table({
      make_identity("a.example", "mail.b.example", use_default, 1),
      make_identity("b.example", "mail.b.example", use_default, 4),  // fine
      make_identity("c.example", "bad_name.c.example", use_default, 7),
      make_identity("d@a.example", "a.example", use_default, 10),
  });
  check_errors(validate_identities(table),
               {
                   {2, not_subdomain("mail.b.example", "a.example")},
                   {8, "MAIL FROM domain 'bad_name.c.example' is not a valid hostname: label 'bad_name' has a "
                       "character other than letters, digits and '-'"},
                   {11, not_subdomain("a.example", "d@a.example")},
               });
}

TEST_CASE("the error carries the origin of the mail_from_domain key, not the table's") {
  identity id = make_identity("example.com", "mail.example.net", use_default, 3);
  id.mail_from_where = at(30, 7, "policy.d/other.toml");
  identity_table table;
  table.add(id);
  auto errors = validate_identities(table);
  REQUIRE(errors.size() == 1);
  CHECK(to_string(errors[0]) ==
        "policy.d/other.toml:30:7: " + not_subdomain("mail.example.net", "example.com"));
}

}  // namespace
}  // namespace mfrelay::policy
