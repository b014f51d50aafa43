// The records `mfrelay records` tells operators to publish: on the MAIL FROM
// domain, one MX to the feedback host and the SPF TXT; nothing without one.
#include <doctest/doctest.h>

#include "fixtures.hpp"
#include "policy/dns_records.hpp"
#include "policy/region.hpp"

namespace mfrelay::policy {
namespace {

using namespace test;

TEST_CASE("required_records: MX to the regional feedback host and the SPF TXT") {
  struct row {
    std::string identity, mail_from, region, mx;
  };
  const row rows[] = {
      {"example.com", "mail.example.com", "us-west-2", "10 feedback-smtp.us-west-2.amazonses.com"},
      {"example.com", "Mail.Example.com.", "us-east-1", "10 feedback-smtp.us-east-1.amazonses.com"},
      {"billing@example.com", "bounce.example.com", "eu-west-1", "10 feedback-smtp.eu-west-1.amazonses.com"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.identity);
    auto records = required_records(make_identity(r.identity, r.mail_from), feedback_host(r.region), "amazonses.com");
    REQUIRE(records.size() == 2);
    const std::string owner = normalize_domain(r.mail_from);
    CHECK(records[0].name == owner);
    CHECK(records[0].type == "MX");
    CHECK(records[0].value == r.mx);
    CHECK(records[1].name == owner);
    CHECK(records[1].type == "TXT");
    CHECK(records[1].value == "\"v=spf1 include:amazonses.com ~all\"");
  }
}

TEST_CASE("required_records follows the configured feedback host and SPF include") {
  auto records = required_records(make_identity("example.com", "mail.example.com"), "mx.feedback.example.net",
                                  "spf.example.net");
  REQUIRE(records.size() == 2);
  CHECK(records[0].value == "10 mx.feedback.example.net");
  CHECK(records[1].value == "\"v=spf1 include:spf.example.net ~all\"");
}

TEST_CASE("required_records is empty without a custom MAIL FROM domain") {
  CHECK(required_records(make_identity("example.com"), feedback_host("us-west-2"), "amazonses.com").empty());
  CHECK(required_records(make_identity("ops@example.com"), feedback_host("us-west-2"), "amazonses.com").empty());
}

}  // namespace
}  // namespace mfrelay::policy
