// decide(): every address a message claims (envelope sender, then From) must
// belong to a declared identity; SES's 554 names the ones that do not, in
// that order, once each, with the region upper-cased.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "fixtures.hpp"
#include "policy/decision.hpp"

namespace mfrelay::policy {
namespace {

using namespace test;

std::optional<email_address> maybe(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return address(text);
}

TEST_CASE("unverified identities are listed sender first, then From, once each") {
  const identity_table identities = decision_identities();
  const state_snapshot states;
  struct row {
    std::string from, sender;  // "" = absent (no From header / the null sender <>)
    std::string region, listed;
  };
  const row rows[] = {
      {"f@unknown.net", "alice@example.com", "us-west-2", "f@unknown.net"},
      {"alice@example.com", "s@unknown.net", "us-west-2", "s@unknown.net"},
      {"f@unknown.net", "s@unknown.net", "us-west-2", "s@unknown.net, f@unknown.net"},
      {"x@unknown.net", "x@unknown.net", "us-west-2", "x@unknown.net"},
      {"x@unknown.net", "x@UNKNOWN.NET.", "us-west-2", "x@unknown.net"},         // equal once normalized
      {"X@unknown.net", "x@unknown.net", "us-west-2", "x@unknown.net, X@unknown.net"},  // local parts differ
      {"f@unknown.net", "", "us-west-2", "f@unknown.net"},                       // null sender
      {"", "s@unknown.net", "us-west-2", "s@unknown.net"},                       // early check at MAIL
      {"", "", "us-west-2", "<>"},                                               // nothing at all
      {"f@unknown.net", "s@unknown.net", "eu-west-1", "s@unknown.net, f@unknown.net"},
      {"f@example.org", "s@example.com.au", "us-east-1", "s@example.com.au, f@example.org"},
      {"Billing@example.org", "alice@example.com", "us-gov-west-1", "Billing@example.org"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.from);
    CAPTURE(r.sender);
    std::string region_upper = r.region;
    for (char& c : region_upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    decision d = decide({maybe(r.from), maybe(r.sender), nullptr},
                        {identities, states, r.region, "us-west-2.amazonses.com"});
    CHECK_FALSE(d.accepted());
    CHECK(d.kind == decision_kind::reject);
    CHECK(d.reason == reject_reason::identity_not_verified);
    CHECK(d.reply == smtp_reply{554, "5.7.1", not_verified_text(region_upper, r.listed)});
    CHECK(d.mail_from_domain == "");
    CHECK_FALSE(d.status);
  }
}

TEST_CASE("a known From is still named when only the envelope sender is unverified") {
  const identity_table identities = decision_identities();
  const state_snapshot states;
  const policy_context context{identities, states, "us-west-2", "us-west-2.amazonses.com"};
  decision d = decide({address("alice@example.com"), address("s@unknown.net"), nullptr}, context);
  CHECK(d.reason == reject_reason::identity_not_verified);
  REQUIRE(d.matched);
  CHECK(d.matched->name == "example.com");
}

TEST_CASE("an unknown From has no matched identity; the explanation names the addresses") {
  const identity_table identities = decision_identities();
  const state_snapshot states;
  const policy_context context{identities, states, "us-west-2", "us-west-2.amazonses.com"};
  decision d = decide({address("f@unknown.net"), address("s@unknown.net"), nullptr}, context);
  CHECK_FALSE(d.matched);
  CHECK(d.explanation == "no declared identity covers s@unknown.net, f@unknown.net");

  d = decide({std::nullopt, std::nullopt, nullptr}, context);
  CHECK_FALSE(d.matched);
  CHECK(d.explanation == "the message names no sender: the envelope sender is <> and there is no From address");
}

TEST_CASE("identity verification comes before authorisation") {
  const identity_table identities = decision_identities();
  const state_snapshot states;
  user nobody;
  nobody.name = "nobody";
  nobody.password_hash = "$h";  // may send as nothing
  decision d = decide({address("f@unknown.net"), address("alice@example.com"), &nobody},
                      {identities, states, "us-west-2", "us-west-2.amazonses.com"});
  CHECK(d.reason == reject_reason::identity_not_verified);
  CHECK(d.reply.text == not_verified_text("US-WEST-2", "f@unknown.net"));
}

}  // namespace
}  // namespace mfrelay::policy
