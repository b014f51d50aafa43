// RFC 7489 6.3/6.4 record parsing: what a receiver would make of _dmarc TXT text.
#include <doctest/doctest.h>

#include "policy/dmarc_record.hpp"

namespace mfrelay::policy {

TEST_CASE("dmarc record: the tags the verdict reads") {
  auto r = parse_dmarc_record("v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=s; pct=20; rua=mailto:d@example.com");
  REQUIRE(r);
  CHECK(r->p == dmarc_policy::reject);
  CHECK(r->sp == dmarc_policy::quarantine);
  CHECK(r->adkim == dmarc_alignment::strict);
  CHECK(r->aspf == dmarc_alignment::strict);
  CHECK(r->pct == 20);
}

TEST_CASE("dmarc record: defaults, whitespace, case, unknown tags") {
  auto r = parse_dmarc_record("  V = dmarc1 ;P= Reject ;  FOO=bar; ;");
  REQUIRE(r);
  CHECK(r->p == dmarc_policy::reject);
  CHECK(r->sp == dmarc_policy::reject);  // sp defaults to p
  CHECK(r->adkim == dmarc_alignment::relaxed);
  CHECK(r->aspf == dmarc_alignment::relaxed);
  CHECK(r->pct == 100);
  // Invalid optional values fall back to their defaults.
  auto bad = parse_dmarc_record("v=DMARC1; p=none; aspf=x; adkim=strict; pct=101");
  REQUIRE(bad);
  CHECK(bad->aspf == dmarc_alignment::relaxed);
  CHECK(bad->adkim == dmarc_alignment::relaxed);
  CHECK(bad->pct == 100);
}

TEST_CASE("dmarc record: invalid records are no records") {
  CHECK_FALSE(parse_dmarc_record(""));
  CHECK_FALSE(parse_dmarc_record("p=reject; v=DMARC1"));  // v must come first
  CHECK_FALSE(parse_dmarc_record("v=DMARC2; p=reject"));
  CHECK_FALSE(parse_dmarc_record("v=spf1 -all"));
  CHECK_FALSE(parse_dmarc_record("v=DMARC1"));             // p is required
  CHECK_FALSE(parse_dmarc_record("v=DMARC1; p=block"));
  CHECK_FALSE(parse_dmarc_record("v=DMARC1; p=reject; sp=maybe"));
  // With a reporting address, an invalid p means p=none (6.6.3).
  auto r = parse_dmarc_record("v=DMARC1; p=block; rua=mailto:d@example.com");
  REQUIRE(r);
  CHECK(r->p == dmarc_policy::none);
}

TEST_CASE("dmarc record: exactly one record at the name") {
  CHECK(select_dmarc_record({"v=spf1 -all", "v=DMARC1; p=quarantine"})->p == dmarc_policy::quarantine);
  CHECK_FALSE(select_dmarc_record({}));
  CHECK_FALSE(select_dmarc_record({"v=DMARC1; p=reject", "v=DMARC1; p=none"}));
  CHECK_FALSE(select_dmarc_record({"some text"}));
}

}  // namespace mfrelay::policy
