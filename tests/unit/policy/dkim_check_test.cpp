// policy::evaluate_dkim and dkim_record_key: when the three DKIM records
// verify an identity (SES's rule: all of them), table-driven.
#include <doctest/doctest.h>

#include "policy/dkim_check.hpp"
#include "policy/state_snapshot.hpp"

namespace mfrelay::policy {
namespace {

const std::vector<std::string> token_names{"a._domainkey.example.com", "b._domainkey.example.com",
                                     "c._domainkey.example.com"};
const txt_answer ours{dns_outcome::ok, {"v=DKIM1; k=rsa; p=KEY"}};

TEST_CASE("dkim_record_key: the p= tag, whitespace removed; nothing from what is not a DKIM1 record") {
  CHECK(dkim_record_key("v=DKIM1; k=rsa; p=AB CD\tEF") == "ABCDEF");
  CHECK(dkim_record_key("p=KEY") == "KEY");            // v= is optional
  CHECK(dkim_record_key("k=rsa; v=DKIM1; p=KEY").empty());  // but first when present
  CHECK(dkim_record_key("v=spf1 include:amazonses.com ~all").empty());
  CHECK(dkim_record_key("v=DKIM1; k=rsa; p=").empty());  // a revoked key
}

TEST_CASE("evaluate_dkim: all three, pass; one missing or another key, fail; any resolver trouble, inconclusive") {
  struct row {
    std::vector<txt_answer> answers;
    check_result result;
    std::string reason;
  };
  const txt_answer nx{dns_outcome::nxdomain, {}}, nodata{dns_outcome::nodata, {}}, timeout{dns_outcome::timeout, {}},
      servfail{dns_outcome::servfail, {}}, other{dns_outcome::ok, {"v=DKIM1; p=OTHER"}},
      spaced{dns_outcome::ok, {"v=spf1 -all", "v=DKIM1; k=rsa; p=K E Y"}};
  const std::vector<row> rows{
      {{ours, ours, ours}, check_result::pass, "all 3 DKIM records carry the key"},
      {{ours, spaced, ours}, check_result::pass, "all 3 DKIM records carry the key"},
      {{ours, nx, ours}, check_result::fail, "b._domainkey.example.com: NXDOMAIN"},
      {{nodata, ours, other}, check_result::fail,
       "a._domainkey.example.com: no TXT record; c._domainkey.example.com: another public key"},
      {{ours, ours, timeout}, check_result::inconclusive, "inconclusive: c._domainkey.example.com: timeout"},
      {{nx, servfail, ours}, check_result::inconclusive,
       "inconclusive: b._domainkey.example.com: servfail; a._domainkey.example.com: NXDOMAIN"},
  };
  for (const auto& r : rows) {
    auto e = evaluate_dkim(token_names, r.answers, "KEY");
    CAPTURE(r.reason);
    CHECK(e.result == r.result);
    CHECK(e.reason == r.reason);
  }
  CHECK(evaluate_dkim({}, {}, "KEY").result == check_result::fail);
}

TEST_CASE("state_snapshot: DKIM states are copy-on-write and read NOT_STARTED when absent") {
  state_snapshot a;
  CHECK(dkim_status_text(a.dkim_state("example.com")) == "NOT_STARTED");
  a.set_dkim("example.com", {mail_from_status::pending, {}});
  state_snapshot b = a;
  b.set_dkim("example.com", {mail_from_status::success, {}});
  CHECK(dkim_status_text(a.dkim_state("example.com")) == "PENDING");
  CHECK(dkim_status_text(b.dkim_state("example.com")) == "SUCCESS");
  state_snapshot c = b;
  c.forget_dkim("example.com");
  CHECK_FALSE(c.dkim_state("example.com"));
  CHECK(b.dkim_state("example.com"));
  state_snapshot d;
  d.copy_dkim_from(b);
  CHECK(d.dkim_state("example.com")->status == mail_from_status::success);
}

TEST_CASE("dkim_setting_selectors: Easy DKIM's three tokens, BYODKIM's one selector, stray spaces") {
  CHECK(dkim_setting_selectors("a1 b2 c3") == std::vector<std::string>{"a1", "b2", "c3"});
  CHECK(dkim_setting_selectors("byo2024") == std::vector<std::string>{"byo2024"});
  CHECK(dkim_setting_selectors(" a  b ") == std::vector<std::string>{"a", "b"});
  CHECK(dkim_setting_selectors("").empty());
}

}  // namespace
}  // namespace mfrelay::policy
