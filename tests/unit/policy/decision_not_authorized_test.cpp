// decide(): the authenticated user must be allowed to send as both the
// envelope sender's identity and the From identity ("*", the identity, a
// parent domain; an address allows only itself). SES's "Access denied" 554.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "policy/decision.hpp"

namespace mfrelay::policy {
namespace {

using namespace test;

std::string access_denied(const std::string& user, const std::string& identity) {
  return "Access denied: User " + user + " is not authorized to perform ses:SendRawEmail on resource identity/" +
         identity;
}

TEST_CASE("the user must be allowed both identities") {
  const identity_table identities = decision_identities();
  state_snapshot states;
  states.set("example.com", "mail.example.com", {mail_from_status::success, t0});
  states.set("billing@example.com", "bounce.example.com", {mail_from_status::success, t0});
  struct row {
    std::vector<std::string> allowances;
    std::string from, sender;
    std::string denied;  // the identity named in the 554; "" = accepted
  };
  const row rows[] = {
      {{"*"}, "alice@example.com", "bob@plain.com", ""},
      {{"example.com"}, "alice@example.com", "alice@example.com", ""},
      {{"example.com"}, "billing@example.com", "alice@sub.example.com", ""},  // a parent domain allows all under it
      {{"example.com", "plain.com"}, "alice@example.com", "bob@plain.com", ""},
      {{"billing@example.com"}, "billing@example.com", "billing@example.com", ""},
      {{"plain.com"}, "alice@example.com", "alice@example.com", "example.com"},
      {{"example.com"}, "alice@example.com", "bob@plain.com", "plain.com"},    // the sender's identity
      {{"example.com"}, "bob@plain.com", "alice@example.com", "plain.com"},    // the From identity
      {{"plain.com"}, "alice@example.com", "billing@example.com", "billing@example.com"},  // sender checked first
      {{"billing@example.com"}, "alice@example.com", "alice@example.com", "example.com"},  // an address allows only itself
      {{"billing@example.com"}, "billing@example.com", "alice@example.com", "example.com"},
      {{"sub.example.com"}, "alice@example.com", "alice@sub.example.com", "example.com"},
      {{"sub.example.com"}, "alice@sub.example.com", "alice@sub.example.com", ""},
      {{}, "bob@plain.com", "bob@plain.com", "plain.com"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.from);
    CAPTURE(r.sender);
    CAPTURE(r.denied);
    user app;
    app.name = "app1";
    app.password_hash = "$h";
    app.identities = r.allowances;
    decision d = decide({address(r.from), address(r.sender), &app},
                        {identities, states, "us-west-2", "us-west-2.amazonses.com"});
    if (r.denied.empty()) {
      CHECK(d.accepted());
      CHECK(d.reason == reject_reason::none);
      continue;
    }
    CHECK_FALSE(d.accepted());
    CHECK(d.reason == reject_reason::not_authorized);
    CHECK(d.reply == smtp_reply{554, "5.7.1", access_denied("app1", r.denied)});
    CHECK(d.explanation == "user app1 may not send as identity " + r.denied);
    CHECK(d.mail_from_domain == "");
    REQUIRE(d.matched);
    CHECK(d.matched->name == identities.match(address(r.from))->name);  // the From identity, for the event
  }
}

TEST_CASE("authorisation comes before the MAIL FROM state") {
  const identity_table identities = decision_identities();
  const state_snapshot states;  // billing@example.com is Pending with RejectMessage
  user app;
  app.name = "app1";
  app.identities = {"plain.com"};
  decision d = decide({address("billing@example.com"), address("billing@example.com"), &app},
                      {identities, states, "us-west-2", "us-west-2.amazonses.com"});
  CHECK(d.reason == reject_reason::not_authorized);
  CHECK(d.reply.text == access_denied("app1", "billing@example.com"));
}

TEST_CASE("the null sender needs only the From identity; without a user nothing is checked") {
  const identity_table identities = decision_identities();
  const state_snapshot states;
  const policy_context context{identities, states, "us-west-2", "us-west-2.amazonses.com"};
  user app;
  app.name = "app1";
  app.identities = {"plain.com"};
  CHECK(decide({address("bob@plain.com"), std::nullopt, &app}, context).accepted());
  CHECK(decide({address("alice@example.com"), std::nullopt, &app}, context).reason == reject_reason::not_authorized);
  // nullptr: `mfrelay explain` without --user.
  CHECK(decide({address("alice@example.com"), address("bob@plain.com"), nullptr}, context).accepted());
}

}  // namespace
}  // namespace mfrelay::policy
