// decide(): the envelope sender a message gets from its From identity's custom
// MAIL FROM setting and live state (custom, default, or MailFromDomainNotVerified),
// with the null sender, the early check at MAIL, and stale states.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "fixtures.hpp"
#include "policy/decision.hpp"

namespace mfrelay::policy {
namespace {

using namespace test;

TEST_CASE("the From identity's MAIL FROM setting and state pick the envelope sender") {
  const identity_table identities = decision_identities();
  struct row {
    std::string from;
    std::optional<mail_from_status> stored;  // nullopt: never checked
    decision_kind kind;
    std::string mail_from_domain;
    std::string identity;
    std::optional<mail_from_status> status;
    std::string explanation;
  };
  const std::string dflt = "us-west-2.amazonses.com";
  const row rows[] = {
      {"alice@example.com", success, decision_kind::custom, "mail.example.com", "example.com", success,
       "identity example.com has MAIL FROM domain mail.example.com in state Success"},
      {"alice@example.com", pending, decision_kind::default_domain, dflt, "example.com", pending,
       "MAIL FROM domain mail.example.com of identity example.com is in state Pending; with UseDefaultValue the "
       "regional default us-west-2.amazonses.com is used"},
      {"alice@example.com", std::nullopt, decision_kind::default_domain, dflt, "example.com", pending,
       "MAIL FROM domain mail.example.com of identity example.com is in state Pending; with UseDefaultValue the "
       "regional default us-west-2.amazonses.com is used"},
      {"alice@example.com", temporary_failure, decision_kind::default_domain, dflt, "example.com", temporary_failure,
       "MAIL FROM domain mail.example.com of identity example.com is in state TemporaryFailure; with "
       "UseDefaultValue the regional default us-west-2.amazonses.com is used"},
      {"alice@example.com", failed, decision_kind::default_domain, dflt, "example.com", failed,
       "MAIL FROM domain mail.example.com of identity example.com is in state Failed; with UseDefaultValue the "
       "regional default us-west-2.amazonses.com is used"},
      {"billing@example.com", success, decision_kind::custom, "bounce.example.com", "billing@example.com", success,
       "identity billing@example.com has MAIL FROM domain bounce.example.com in state Success"},
      {"bob@plain.com", std::nullopt, decision_kind::default_domain, dflt, "plain.com", std::nullopt,
       "identity plain.com has no custom MAIL FROM domain; the regional default us-west-2.amazonses.com is used"},
      {"bob@plain.com", success, decision_kind::default_domain, dflt, "plain.com", std::nullopt,
       "identity plain.com has no custom MAIL FROM domain; the regional default us-west-2.amazonses.com is used"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.from);
    CAPTURE(r.stored ? to_string(*r.stored) : std::string_view("none"));
    state_snapshot states;
    if (r.stored) {
      const identity* id = identities.find(r.identity);
      states.set(id->name, id->has_mail_from() ? id->mail_from_domain : "x.example", {*r.stored, t0});
    }
    decision d = decide({address(r.from), address(r.from), nullptr}, {identities, states, "us-west-2", dflt});
    CHECK(d.accepted());
    CHECK(d.kind == r.kind);
    CHECK(d.reason == reject_reason::none);
    CHECK(d.reply == smtp_reply{});
    CHECK(d.mail_from_domain == r.mail_from_domain);
    REQUIRE(d.matched);
    CHECK(d.matched->name == r.identity);
    CHECK(d.status == r.status);
    CHECK(d.explanation == r.explanation);
  }
}

TEST_CASE("RejectMessage refuses mail while the MAIL FROM domain is not Success") {
  const identity_table identities = decision_identities();
  const std::optional<mail_from_status> stored[] = {pending, temporary_failure, failed, std::nullopt};
  for (auto s : stored) {
    const mail_from_status status = s.value_or(pending);
    CAPTURE(status);
    state_snapshot states;
    if (s) states.set("billing@example.com", "bounce.example.com", {*s, t0});
    decision d = decide({address("billing@example.com"), address("billing@example.com"), nullptr},
                        {identities, states, "us-west-2", "us-west-2.amazonses.com"});
    CHECK_FALSE(d.accepted());
    CHECK(d.kind == decision_kind::reject);
    CHECK(d.reason == reject_reason::mail_from_domain_not_verified);
    CHECK(d.reply == smtp_reply{554, "5.7.1",
                                "Message rejected: MailFromDomainNotVerified. The message could not be sent because "
                                "the MX record required to use the MAIL FROM domain bounce.example.com could not be "
                                "read (status " + std::string(to_string(status)) + ")"});
    CHECK(d.explanation == "MAIL FROM domain bounce.example.com of identity billing@example.com is in state " +
                               std::string(to_string(status)) + " and its behavior on MX failure is RejectMessage");
    CHECK(d.mail_from_domain == "");
    REQUIRE(d.matched);
    CHECK(d.matched->name == "billing@example.com");
    CHECK(d.status == status);
  }
}

TEST_CASE("the default domain follows the context's region setting") {
  const identity_table identities = decision_identities();
  const state_snapshot states;
  decision d = decide({address("bob@plain.com"), address("bob@plain.com"), nullptr},
                      {identities, states, "us-east-1", "amazonses.com"});
  CHECK(d.kind == decision_kind::default_domain);
  CHECK(d.mail_from_domain == "amazonses.com");
}

TEST_CASE("a state checked for an older MAIL FROM domain counts as Pending") {
  const identity_table identities = decision_identities();
  state_snapshot states;
  states.set("example.com", "old.example.com", {success, t0});
  states.set("billing@example.com", "old-bounce.example.com", {success, t0});
  const policy_context context{identities, states, "us-west-2", "us-west-2.amazonses.com"};

  decision d = decide({address("alice@example.com"), address("alice@example.com"), nullptr}, context);
  CHECK(d.kind == decision_kind::default_domain);
  CHECK(d.status == pending);
  CHECK(d.mail_from_domain == "us-west-2.amazonses.com");

  d = decide({address("billing@example.com"), address("billing@example.com"), nullptr}, context);
  CHECK(d.reason == reject_reason::mail_from_domain_not_verified);
  CHECK(d.status == pending);
}

TEST_CASE("the From identity decides, not the envelope sender's") {
  const identity_table identities = decision_identities();
  state_snapshot states;  // billing@example.com: Pending with RejectMessage
  states.set("example.com", "mail.example.com", {success, t0});
  const policy_context context{identities, states, "us-west-2", "us-west-2.amazonses.com"};

  decision d = decide({address("alice@example.com"), address("billing@example.com"), nullptr}, context);
  CHECK(d.kind == decision_kind::custom);
  CHECK(d.mail_from_domain == "mail.example.com");
  CHECK(d.matched->name == "example.com");

  d = decide({address("billing@example.com"), address("alice@example.com"), nullptr}, context);
  CHECK(d.reason == reject_reason::mail_from_domain_not_verified);
  CHECK(d.matched->name == "billing@example.com");
}

TEST_CASE("the null sender <> with a known From is decided by the From identity") {
  const identity_table identities = decision_identities();
  state_snapshot states;
  states.set("example.com", "mail.example.com", {success, t0});
  const policy_context context{identities, states, "us-west-2", "us-west-2.amazonses.com"};

  decision d = decide({address("alice@example.com"), std::nullopt, nullptr}, context);
  CHECK(d.kind == decision_kind::custom);
  CHECK(d.mail_from_domain == "mail.example.com");
  CHECK(d.matched->name == "example.com");

  d = decide({address("billing@example.com"), std::nullopt, nullptr}, context);
  CHECK(d.reason == reject_reason::mail_from_domain_not_verified);
}

TEST_CASE("the early check at MAIL: without a From, the envelope sender stands in") {
  const identity_table identities = decision_identities();
  state_snapshot states;
  states.set("example.com", "mail.example.com", {success, t0});
  const policy_context context{identities, states, "us-west-2", "us-west-2.amazonses.com"};

  decision d = decide({std::nullopt, address("alice@example.com"), nullptr}, context);
  CHECK(d.kind == decision_kind::custom);
  CHECK(d.mail_from_domain == "mail.example.com");
  REQUIRE(d.matched);
  CHECK(d.matched->name == "example.com");
  CHECK(d.status == success);

  d = decide({std::nullopt, address("bob@plain.com"), nullptr}, context);
  CHECK(d.kind == decision_kind::default_domain);
  CHECK(d.matched->name == "plain.com");

  d = decide({std::nullopt, address("billing@example.com"), nullptr}, context);
  CHECK(d.reason == reject_reason::mail_from_domain_not_verified);
  CHECK(d.status == pending);
}

TEST_CASE("decision and reason names") {
  CHECK(to_string(decision_kind::custom) == "custom");
  CHECK(to_string(decision_kind::default_domain) == "default");
  CHECK(to_string(decision_kind::reject) == "reject");
  CHECK(to_string(reject_reason::none) == "");
  CHECK(to_string(reject_reason::identity_not_verified) == "IdentityNotVerified");
  CHECK(to_string(reject_reason::not_authorized) == "NotAuthorized");
  CHECK(to_string(reject_reason::mail_from_domain_not_verified) == "MailFromDomainNotVerified");
}

}  // namespace
}  // namespace mfrelay::policy
