// evaluate_mail_from(): exactly one MX to the feedback host passes; NXDOMAIN,
// no MX, several MX or another host fail; resolver trouble is inconclusive.
// SPF is judged apart and never moves the result.
#include <doctest/doctest.h>

#include "policy/mail_from_check.hpp"

namespace mfrelay::policy {
namespace {

constexpr std::string_view feedback = "feedback-smtp.us-west-2.amazonses.com";
const txt_answer spf_ok{dns_outcome::ok, {"v=spf1 include:amazonses.com ~all"}};

TEST_CASE("the MX decides the result") {
  struct row {
    mx_answer mx;
    check_result result;
    std::string reason;
  };
  const row rows[] = {
      {{dns_outcome::ok, {{10, "feedback-smtp.us-west-2.amazonses.com"}}}, check_result::pass,
       "exactly one MX: 10 feedback-smtp.us-west-2.amazonses.com"},
      {{dns_outcome::ok, {{10, "Feedback-SMTP.us-west-2.amazonses.com."}}}, check_result::pass,
       "exactly one MX: 10 Feedback-SMTP.us-west-2.amazonses.com."},
      {{dns_outcome::ok, {{10, "feedback-smtp.us-east-1.amazonses.com"}}}, check_result::fail,
       "the MX points to feedback-smtp.us-east-1.amazonses.com, not feedback-smtp.us-west-2.amazonses.com"},
      {{dns_outcome::ok, {{10, "feedback-smtp.us-west-2.amazonses.com"}, {20, "backup.example.net"}}},
       check_result::fail,
       "2 MX records (exactly one is required): 10 feedback-smtp.us-west-2.amazonses.com, 20 backup.example.net"},
      {{dns_outcome::nxdomain, {}}, check_result::fail, "the domain does not exist (NXDOMAIN)"},
      {{dns_outcome::nodata, {}}, check_result::fail, "no MX record"},
      {{dns_outcome::ok, {}}, check_result::fail, "no MX record"},
      {{dns_outcome::servfail, {}}, check_result::inconclusive, "MX lookup inconclusive: servfail"},
      {{dns_outcome::refused, {}}, check_result::inconclusive, "MX lookup inconclusive: refused"},
      {{dns_outcome::timeout, {}}, check_result::inconclusive, "MX lookup inconclusive: timeout"},
      {{dns_outcome::bad_response, {}}, check_result::inconclusive, "MX lookup inconclusive: bad_response"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.reason);
    auto e = evaluate_mail_from(r.mx, spf_ok, feedback, "amazonses.com");
    CHECK(e.result == r.result);
    CHECK(e.reason == r.reason);
    CHECK(e.spf == spf_status::ok);  // SPF never depends on the MX
  }
}

TEST_CASE("SPF is judged and reported, never deciding") {
  const mx_answer good{dns_outcome::ok, {{10, std::string(feedback)}}};
  struct row {
    txt_answer txt;
    spf_status spf;
  };
  const row rows[] = {
      {{dns_outcome::ok, {"v=spf1 include:amazonses.com ~all"}}, spf_status::ok},
      {{dns_outcome::ok, {"V=SPF1 +include:AmazonSES.com -all"}}, spf_status::ok},
      {{dns_outcome::ok, {"google-site-verification=x"}}, spf_status::missing},
      {{dns_outcome::nodata, {}}, spf_status::missing},
      {{dns_outcome::ok, {"v=spf1 include:other.example ~all"}}, spf_status::wrong},
      {{dns_outcome::ok, {"v=spf1 include:amazonses.com ~all", "v=spf1 -all"}}, spf_status::wrong},
      {{dns_outcome::servfail, {}}, spf_status::unknown},
  };
  for (const auto& r : rows) {
    auto e = evaluate_mail_from(good, r.txt, feedback, "amazonses.com");
    CHECK(e.spf == r.spf);
    CHECK(e.result == check_result::pass);
  }
}

TEST_CASE("DNS text is made printable before it reaches a reason or an event") {
  CHECK(printable("v=spf1 ~all") == "v=spf1 ~all");
  CHECK(printable(std::string_view("a\nb\r\0c", 6)) == "a\\x0ab\\x0d\\x00c");
  CHECK(printable("caf\xc3\xa9") == "caf\\xc3\\xa9");
  CHECK(printable("back\\slash") == "back\\x5cslash");
  auto e = evaluate_mail_from({dns_outcome::ok, {{10, "evil\nhost"}}}, {dns_outcome::ok, {"v=spf1\x01 x ~all"}}, feedback,
                              "amazonses.com");
  CHECK(e.reason.find('\n') == std::string::npos);
  CHECK(e.reason == "the MX points to evil\\x0ahost, not feedback-smtp.us-west-2.amazonses.com");
}

}  // namespace
}  // namespace mfrelay::policy
