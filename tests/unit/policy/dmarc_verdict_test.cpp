// The DMARC verdict per identity: alignment by SPF (custom MAIL FROM in
// Success, under aspf) and DKIM (under adkim), and the policy that applies.
#include <doctest/doctest.h>

#include "fixtures.hpp"
#include "policy/dmarc_verdict.hpp"

namespace mfrelay::policy {
namespace {

const public_suffix_list& psl() {
  static const public_suffix_list list = public_suffix_list::parse("com\nuk\nco.uk\n", nullptr);
  return list;
}

dmarc_lookup record(std::string_view text) {
  return {dmarc_lookup::state::found, parse_dmarc_record(text), ""};
}

dmarc_inputs custom_success(std::string from = "example.com", std::string mail_from = "bounce.example.com") {
  return {std::move(from), std::move(mail_from), true, std::nullopt};
}

dmarc_inputs default_envelope(std::string from = "example.com") {
  return {std::move(from), "amazonses.com", false, std::nullopt};
}

}  // namespace

TEST_CASE("dmarc verdict: the alignment table") {
  struct row {
    const char* record;
    dmarc_inputs in;
    bool spf, dkim;
    dmarc_result result;
  };
  const row rows[] = {
      // aspf=s never aligns a MAIL FROM subdomain.
      {"v=DMARC1; p=reject; aspf=s", custom_success(), false, false, dmarc_result::fail},
      {"v=DMARC1; p=reject; aspf=r", custom_success(), true, false, dmarc_result::pass},
      {"v=DMARC1; p=reject", custom_success(), true, false, dmarc_result::pass},
      // Without a custom MAIL FROM in Success the default domain is another organization.
      {"v=DMARC1; p=reject", default_envelope(), false, false, dmarc_result::fail},
      // adkim=s without DKIM: only SPF can pass it.
      {"v=DMARC1; p=quarantine; adkim=s", custom_success(), true, false, dmarc_result::pass},
      {"v=DMARC1; p=quarantine; adkim=s", default_envelope(), false, false, dmarc_result::fail},
      // DKIM in SUCCESS signs with d= the From domain: aligned under either mode.
      {"v=DMARC1; p=reject; adkim=s; aspf=s", {"example.com", "bounce.example.com", true, "example.com"}, false, true,
       dmarc_result::pass},
      {"v=DMARC1; p=reject", {"example.com", "amazonses.com", false, "example.com"}, false, true, dmarc_result::pass},
      {"v=DMARC1; p=reject", {"example.com", "bounce.example.com", true, "example.com"}, true, true,
       dmarc_result::pass},
      // A d= of the parent aligns only relaxed.
      {"v=DMARC1; p=reject; adkim=s", {"mail.example.com", "amazonses.com", false, "example.com"}, false, false,
       dmarc_result::fail},
      {"v=DMARC1; p=reject; adkim=r", {"mail.example.com", "amazonses.com", false, "example.com"}, false, true,
       dmarc_result::pass},
      // Relaxed alignment goes by the organizational domain from the list.
      {"v=DMARC1; p=reject", custom_success("shop.example.co.uk", "bounce.example.co.uk"), true, false,
       dmarc_result::pass},
      {"v=DMARC1; p=reject", custom_success("a.co.uk", "b.co.uk"), false, false, dmarc_result::fail},
  };
  for (const auto& r : rows) {
    CAPTURE(r.record);
    CAPTURE(r.in.from_domain);
    CAPTURE(r.in.envelope_domain);
    dmarc_verdict v = judge_dmarc(r.in, record(r.record), psl());
    CHECK(v.spf_aligned == r.spf);
    CHECK(v.dkim_aligned == r.dkim);
    CHECK(v.result == r.result);
  }
}

TEST_CASE("dmarc verdict: p for the organizational domain, sp for its subdomains") {
  auto v = judge_dmarc(custom_success(), record("v=DMARC1; p=reject; sp=none; aspf=s"), psl());
  CHECK(v.record_name == "_dmarc.example.com");
  CHECK(v.policy == dmarc_policy::reject);
  CHECK_FALSE(v.subdomain_policy);
  CHECK(v.why.find("p=reject applies") != std::string::npos);
  CHECK(v.why.find("aspf=s") != std::string::npos);

  auto sub = judge_dmarc(custom_success("mail.example.com", "bounce.mail.example.com"),
                         record("v=DMARC1; p=reject; sp=none; aspf=s"), psl());
  CHECK(sub.record_name == "_dmarc.example.com");
  CHECK(sub.policy == dmarc_policy::none);
  CHECK(sub.subdomain_policy);
  CHECK(sub.why.find("sp=none applies") != std::string::npos);
}

TEST_CASE("dmarc verdict: no record, not read yet") {
  auto none = judge_dmarc(custom_success(), {dmarc_lookup::state::none, std::nullopt, "NXDOMAIN"}, psl());
  CHECK(none.result == dmarc_result::no_policy);
  CHECK_FALSE(none.policy);
  CHECK(none.spf_aligned);  // relaxed, as a record with defaults would judge it
  CHECK(none.why.find("no DMARC policy") != std::string::npos);
  auto pending = judge_dmarc(custom_success(), {}, psl());
  CHECK(pending.result == dmarc_result::unknown);
}

TEST_CASE("dmarc verdict: a MAIL FROM domain that is also a From domain") {
  identity_table t = test::make_table({test::make_identity("example.com", "bounce.example.com"),
                                 test::make_identity("alerts@bounce.example.com"), test::make_identity("other.com", "mf.other.com")});
  auto warnings = mail_from_domain_warnings(t);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].identity == "example.com");
  CHECK(warnings[0].from_identity == "alerts@bounce.example.com");
  CHECK(warnings[0].text.find("also a From domain") != std::string::npos);
}

}  // namespace mfrelay::policy

namespace mfrelay::policy {

TEST_CASE("dmarc lookup: answers decide, resolver trouble keeps the last verdict") {
  dmarc_lookup found = next_dmarc_lookup({}, {dns_outcome::ok, {"v=DMARC1; p=reject; aspf=s"}});
  CHECK(found.what == dmarc_lookup::state::found);
  CHECK(found.record->aspf == dmarc_alignment::strict);
  for (auto trouble : {dns_outcome::timeout, dns_outcome::servfail, dns_outcome::refused}) {
    dmarc_lookup kept = next_dmarc_lookup(found, {trouble, {}});
    CHECK(kept.what == dmarc_lookup::state::found);
    CHECK(kept.record->p == dmarc_policy::reject);
  }
  CHECK(next_dmarc_lookup(found, {dns_outcome::nxdomain, {}}).what == dmarc_lookup::state::none);
  CHECK(next_dmarc_lookup(found, {dns_outcome::nodata, {}}).what == dmarc_lookup::state::none);
  dmarc_lookup two = next_dmarc_lookup({}, {dns_outcome::ok, {"v=DMARC1; p=reject", "v=DMARC1; p=none"}});
  CHECK(two.what == dmarc_lookup::state::none);
  CHECK(two.detail.find("2 DMARC records") != std::string::npos);
  CHECK(next_dmarc_lookup({}, {dns_outcome::timeout, {}}).what == dmarc_lookup::state::pending);
}

}  // namespace mfrelay::policy
