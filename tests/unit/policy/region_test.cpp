// Regional SES names: the default MAIL FROM domain (amazonses.com in us-east-1,
// <region>.amazonses.com elsewhere, an override wins), the feedback MX host,
// the SPF value, and region name checks.
#include <doctest/doctest.h>

#include <string>

#include "policy/config.hpp"
#include "policy/region.hpp"

namespace mfrelay::policy {
namespace {

TEST_CASE("default MAIL FROM domain per region") {
  struct row {
    std::string region, override_domain, expected;
  };
  const row rows[] = {
      {"us-east-1", "", "amazonses.com"},
      {"us-east-2", "", "us-east-2.amazonses.com"},
      {"us-west-2", "", "us-west-2.amazonses.com"},
      {"eu-west-1", "", "eu-west-1.amazonses.com"},
      {"us-gov-west-1", "", "us-gov-west-1.amazonses.com"},
      {"us-east-1", "bounce.example.net", "bounce.example.net"},
      {"us-west-2", "Bounce.Example.NET.", "bounce.example.net"},  // normalized
  };
  for (const auto& r : rows) {
    CAPTURE(r.region);
    CAPTURE(r.override_domain);
    CHECK(default_mail_from_domain(r.region, r.override_domain) == r.expected);
  }
  CHECK(default_mail_from_domain("us-east-1") == "amazonses.com");
}

TEST_CASE("feedback host per region") {
  CHECK(feedback_host("us-east-1") == "feedback-smtp.us-east-1.amazonses.com");
  CHECK(feedback_host("us-west-2") == "feedback-smtp.us-west-2.amazonses.com");
  CHECK(feedback_host("eu-west-1") == "feedback-smtp.eu-west-1.amazonses.com");
  CHECK(feedback_host("us-west-2", "MX.Example.NET.") == "mx.example.net");
}

TEST_CASE("SPF value carries its quotes") {
  CHECK(spf_record_value("amazonses.com") == "\"v=spf1 include:amazonses.com ~all\"");
  CHECK(spf_record_value("spf.example.net") == "\"v=spf1 include:spf.example.net ~all\"");
}

TEST_CASE("config derives the default domain and feedback host from its settings") {
  config cfg;
  CHECK(cfg.default_mail_from_domain() == "us-west-2.amazonses.com");  // the shipped default region
  CHECK(cfg.feedback_host() == "feedback-smtp.us-west-2.amazonses.com");
  cfg.relay.region = "us-east-1";
  CHECK(cfg.default_mail_from_domain() == "amazonses.com");
  CHECK(cfg.feedback_host() == "feedback-smtp.us-east-1.amazonses.com");
  cfg.relay.default_mail_from_domain = "bounce.example.net";
  cfg.verification.feedback_mx = "feedback.example.net";
  CHECK(cfg.default_mail_from_domain() == "bounce.example.net");
  CHECK(cfg.feedback_host() == "feedback.example.net");
}

TEST_CASE("region_error") {
  struct row {
    std::string region, why;
  };
  const row rows[] = {
      {"us-west-2", ""},
      {"us-gov-west-1", ""},
      {"ap-southeast-2", ""},
      {"", "the region is empty"},
      {"US-WEST-2", "region 'US-WEST-2' must be lower-case letters, digits and '-' (like us-west-2)"},
      {"us west 2", "region 'us west 2' must be lower-case letters, digits and '-' (like us-west-2)"},
      {"us.west.2", "region 'us.west.2' must be lower-case letters, digits and '-' (like us-west-2)"},
      {"uswest2", "region 'uswest2' is not of the form us-west-2"},
      {"-us-west-2", "region '-us-west-2' is not of the form us-west-2"},
      {"us-west-", "region 'us-west-' is not of the form us-west-2"},
      {std::string(62, 'a') + "-b", "region '" + std::string(62, 'a') + "-b' is not of the form us-west-2"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.region);
    CHECK(region_error(r.region) == r.why);
  }
}

}  // namespace
}  // namespace mfrelay::policy
