// Which identity governs an address: the exact address, else the longest
// matching domain; subdomains inherit; the winner applies whole, even when it
// has no MAIL FROM setting. Domains are case-insensitive, local parts are not.
#include <doctest/doctest.h>

#include <string>

#include "fixtures.hpp"
#include "policy/decision.hpp"
#include "policy/identity_table.hpp"

namespace mfrelay::policy {
namespace {

using namespace test;

identity_table sample_table() {
  return make_table({
      make_identity("example.com", "mail.example.com", use_default, 1),
      make_identity("sub.example.com", "", use_default, 5),  // no MAIL FROM of its own
      make_identity("billing@example.com", "bounce.example.com", reject_msg, 9),
      make_identity("news@example.com", "", use_default, 13),
      make_identity("Ops@example.com", "ops-bounce.example.com", use_default, 17),
      make_identity("other.org", "", use_default, 21),
      make_identity("alerts@sub.example.com", "", use_default, 25),
  });
}

// An address and the identity that must govern it ("" = none).
struct match_row {
  std::string address, identity;
};

template <std::size_t N>
void check_matches(const identity_table& table, const match_row (&rows)[N]) {
  for (const auto& r : rows) {
    CAPTURE(r.address);
    const identity* found = table.match(address(r.address));
    if (r.identity.empty()) {
      CHECK(found == nullptr);
    } else {
      REQUIRE(found != nullptr);
      CHECK(found->name == r.identity);
    }
  }
}

TEST_CASE("match: exact address, then the longest matching domain") {
  const identity_table table = sample_table();
  const match_row rows[] = {
      {"billing@example.com", "billing@example.com"},
      {"billing@EXAMPLE.COM.", "billing@example.com"},  // domain case and trailing dot ignored
      {"Billing@example.com", "example.com"},           // local parts are case-sensitive
      {"ops@example.com", "example.com"},
      {"Ops@Example.com", "Ops@example.com"},
      {"anyone@example.com", "example.com"},
      {"anyone@x.example.com", "example.com"},          // a subdomain inherits its parent's identity
      {"anyone@a.b.c.example.com", "example.com"},
      {"anyone@sub.example.com", "sub.example.com"},    // a subdomain identity beats its parent
      {"anyone@SUB.Example.com", "sub.example.com"},
      {"anyone@deep.sub.example.com", "sub.example.com"},
      {"alerts@sub.example.com", "alerts@sub.example.com"},  // address beats subdomain beats parent
      {"alerts@example.com", "example.com"},
      {"billing@sub.example.com", "sub.example.com"},   // an address identity covers its own domain only
      {"user@other.org", "other.org"},
      {"user@example.org", ""},
      {"user@notexample.com", ""},                      // a suffix is not a subdomain
      {"user@example.com.au", ""},
      {"user@com.example", ""},
  };
  check_matches(table, rows);
}

TEST_CASE("match: a quoted local part is the same mailbox as the dot-atom it quotes") {
  const identity_table table = sample_table();
  const match_row rows[] = {
      {"\"billing\"@example.com", "billing@example.com"},     // RFC 5322 3.4.1
      {"\"bill\\ing\"@example.com", "billing@example.com"},   // a quoted pair is the character it quotes
      {"\"\\b\\i\\l\\l\\i\\n\\g\"@Example.COM", "billing@example.com"},
      {"\"alerts\"@sub.example.com", "alerts@sub.example.com"},
      {"\"Ops\"@example.com", "Ops@example.com"},
      {"\"ops\"@example.com", "example.com"},                 // case still counts in the local part
      {"\"billing \"@example.com", "example.com"},            // a different mailbox
  };
  check_matches(table, rows);
}

TEST_CASE("match: U-label and A-label spellings of a domain are one identity") {
  identity_table table = make_table({
      make_identity("xn--dst-bma.test", "", use_default, 1),
      make_identity("billing@xn--dst-bma.test", "", use_default, 5),
  });
  auto utf8 = [](std::string_view text) {
    auto parsed = parse_email_address(text, &fake_idna);
    REQUIRE_MESSAGE(parsed, "not an address: " << text);
    return *parsed;
  };
  email_address u = utf8("anyone@d\xc3\xa9st.test");
  CHECK(u.str() == "anyone@d\xc3\xa9st.test");  // delivery and events keep what was written
  REQUIRE(table.match(u) != nullptr);
  CHECK(table.match(u)->name == "xn--dst-bma.test");
  REQUIRE(table.match(utf8("anyone@sub.d\xc3\xa9st.test")) != nullptr);
  CHECK(table.match(utf8("anyone@sub.d\xc3\xa9st.test"))->name == "xn--dst-bma.test");
  REQUIRE(table.match(utf8("\"billing\"@d\xc3\xa9st.test")) != nullptr);
  CHECK(table.match(utf8("\"billing\"@d\xc3\xa9st.test"))->name == "billing@xn--dst-bma.test");
}

TEST_CASE("match: a domain with more labels than match() looks up at once still finds its identity") {
  // match() looks the address and the first 11 names of its domain (the domain
  // and 10 parents) up together, the rest one at a time: both must keep the rule.
  const identity_table table = make_table({
      make_identity("example.com", "", use_default, 1),
      make_identity("k.l.m.n.example.com", "", use_default, 5),
      make_identity("ops@a.b.c.d.e.f.g.h.i.j.k.l.m.n.example.com", "", use_default, 9),
  });
  const match_row rows[] = {
      {"ops@a.b.c.d.e.f.g.h.i.j.k.l.m.n.example.com", "ops@a.b.c.d.e.f.g.h.i.j.k.l.m.n.example.com"},
      {"dev@a.b.c.d.e.f.g.h.i.j.k.l.m.n.example.com", "k.l.m.n.example.com"},
      {"dev@a.b.c.d.e.f.g.h.i.j.x.y.z.example.com", "example.com"},
      {"dev@a.b.c.d.e.f.g.h.i.j.x.y.z.example.org", ""},
  };
  check_matches(table, rows);
}

TEST_CASE("match_domain and find") {
  const identity_table table = sample_table();
  CHECK(table.match_domain("example.com")->name == "example.com");
  CHECK(table.match_domain("mail.example.com")->name == "example.com");
  CHECK(table.match_domain("x.sub.example.com")->name == "sub.example.com");
  CHECK(table.match_domain("com") == nullptr);
  CHECK(table.match_domain("example.net") == nullptr);

  REQUIRE(table.find("billing@example.com") != nullptr);
  CHECK(table.find("billing@example.com")->mail_from_domain == "bounce.example.com");
  CHECK(table.find("Billing@example.com") == nullptr);
  CHECK(table.find("missing.example") == nullptr);
  CHECK(table.all().size() == 7);
}

TEST_CASE("adding a name twice keeps the first and returns it") {
  identity_table table = sample_table();
  const identity* earlier = table.add(make_identity("example.com", "other.example.com", reject_msg, 40));
  REQUIRE(earlier != nullptr);
  CHECK(earlier->where.line == 1);
  CHECK(table.all().size() == 7);
  CHECK(table.find("example.com")->mail_from_domain == "mail.example.com");
  CHECK(table.find("example.com")->behavior == use_default);
}

TEST_CASE("the most specific identity applies whole, even without a MAIL FROM setting") {
  const identity_table table = sample_table();
  state_snapshot states;
  states.set("example.com", "mail.example.com", {mail_from_status::success, t0});
  states.set("billing@example.com", "bounce.example.com", {mail_from_status::success, t0});
  const policy_context context{table, states, "us-west-2", "us-west-2.amazonses.com"};
  struct row {
    std::string from, identity;
    decision_kind kind;
    std::string mail_from_domain;
  };
  const row rows[] = {
      {"alice@example.com", "example.com", decision_kind::custom, "mail.example.com"},
      {"alice@x.example.com", "example.com", decision_kind::custom, "mail.example.com"},
      // sub.example.com has no MAIL FROM: it still wins over example.com's, and the default is used.
      {"alice@sub.example.com", "sub.example.com", decision_kind::default_domain, "us-west-2.amazonses.com"},
      {"billing@example.com", "billing@example.com", decision_kind::custom, "bounce.example.com"},
      // The same for an address identity without one.
      {"news@example.com", "news@example.com", decision_kind::default_domain, "us-west-2.amazonses.com"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.from);
    decision d = decide({address(r.from), address(r.from), nullptr}, context);
    REQUIRE(d.matched);
    CHECK(d.matched->name == r.identity);
    CHECK(d.kind == r.kind);
    CHECK(d.mail_from_domain == r.mail_from_domain);
  }
}

TEST_CASE("a RejectMessage address identity cannot be dodged by quoting its local part") {
  const identity_table table = sample_table();
  state_snapshot states;
  states.set("example.com", "mail.example.com", {mail_from_status::success, t0});
  states.set("billing@example.com", "bounce.example.com", {mail_from_status::pending, t0});
  const policy_context context{table, states, "us-west-2", "us-west-2.amazonses.com"};
  for (std::string from : {"billing@example.com", "\"billing\"@example.com", "\"bill\\ing\"@example.com"}) {
    CAPTURE(from);
    // Not example.com's verified custom MAIL FROM: billing@'s RejectMessage.
    decision d = decide({address(from), address("app@example.com"), nullptr}, context);
    CHECK(d.reason == reject_reason::mail_from_domain_not_verified);
    REQUIRE(d.matched);
    CHECK(d.matched->name == "billing@example.com");
  }
}

TEST_CASE("the envelope sender is matched in the same canonical form") {
  const identity_table table = sample_table();
  state_snapshot states;
  states.set("billing@example.com", "bounce.example.com", {mail_from_status::success, t0});
  const policy_context context{table, states, "us-west-2", "us-west-2.amazonses.com"};
  user billing_only;
  billing_only.name = "billing-app";
  billing_only.identities = {"billing@example.com"};
  for (std::string sender : {"billing@example.com", "\"billing\"@example.com", "\"bil\\l\\ing\"@example.com"}) {
    CAPTURE(sender);
    // The user may send as billing@example.com only: its quoted spelling is that identity, not example.com.
    decision d = decide({address("billing@example.com"), address(sender), &billing_only}, context);
    CHECK(d.kind == decision_kind::custom);
    CHECK(d.reason == reject_reason::none);
  }
}

}  // namespace
}  // namespace mfrelay::policy

namespace mfrelay::policy {
namespace {

TEST_CASE("any_dkim: counted as identities are added, a duplicate does not count") {
  identity_table table = test::make_table({test::make_identity("example.com", "", test::use_default, 1)});
  CHECK_FALSE(table.any_dkim());
  identity signing = test::make_identity("other.org", "", test::use_default, 2);
  signing.dkim = true;
  identity again = signing;
  CHECK(table.add(std::move(signing)) == nullptr);
  CHECK(table.any_dkim());
  identity_table plain = test::make_table({test::make_identity("other.org", "", test::use_default, 1)});
  CHECK(plain.add(std::move(again)) != nullptr);  // already declared: refused, not counted
  CHECK_FALSE(plain.any_dkim());
}

TEST_CASE("state_key: the key of each identity's setting, made when it was added") {
  const identity_table table = sample_table();
  const identity& id = *table.find("billing@example.com");
  const auto key = table.state_key(id);
  const auto fresh = state_snapshot::key_of("billing@example.com", "bounce.example.com");
  CHECK((key.hash == fresh.hash && key.shard == fresh.shard));
  // An identity that is not the table's own (a copy) gets its key computed.
  identity copy = id;
  copy.mail_from_domain = "other.example.com";
  const auto copied = table.state_key(copy);
  CHECK(copied.hash == state_snapshot::key_of("billing@example.com", "other.example.com").hash);
  CHECK(copied.hash != key.hash);
}

}  // namespace
}  // namespace mfrelay::policy
