// The MX plan of RFC 5321 section 5 and RFC 7505: order by preference, equal
// preferences shuffled by the injected random source, the implicit MX, null MX,
// NXDOMAIN and resolver trouble; and the address order of one MX host.
#include "relay/delivery/mx_plan.hpp"

#include <doctest/doctest.h>

#include <deque>
#include <set>
#include <string>
#include <vector>

namespace mfrelay::relay {
namespace {

using policy::dns_outcome;

policy::mx_answer answer(dns_outcome outcome, std::vector<policy::mx_record> records = {}) {
  return {outcome, std::move(records)};
}

// Always the first candidate: no shuffle at all.
std::uint64_t first(std::uint64_t) { return 0; }

std::vector<std::string> names(const mx_plan& p) {
  std::vector<std::string> out;
  for (const auto& h : p.hosts) out.push_back(h.name);
  return out;
}

TEST_CASE("plan_mx: hosts by preference, lowest first, trailing dots dropped") {
  auto p = plan_mx("example.org",
                   answer(dns_outcome::ok,
                          {{20, "backup.example.org."}, {5, "primary.example.org."}, {10, "mid.example.net"}}),
                   first);
  CHECK_FALSE(p.verdict);
  CHECK(names(p) == std::vector<std::string>{"primary.example.org", "mid.example.net", "backup.example.org"});
  CHECK(p.hosts.front().preference == 5);
}

TEST_CASE("plan_mx: equal preferences are shuffled with the injected source, others stay in place") {
  const policy::mx_answer a =
      answer(dns_outcome::ok, {{10, "a.example"}, {10, "b.example"}, {10, "c.example"}, {20, "z.example"}});
  // Fisher-Yates over [a, b, c]: i=3 swaps slot 2 with j; i=2 swaps slot 1 with j.
  std::deque<std::uint64_t> script{0, 0};  // swap(c, a) -> [c, b, a]; swap(b, c) -> [b, c, a]
  std::vector<std::uint64_t> bounds;
  auto scripted = [&](std::uint64_t bound) {
    bounds.push_back(bound);
    auto v = script.front();
    script.pop_front();
    return v;
  };
  auto p = plan_mx("example", a, scripted);
  CHECK(bounds == std::vector<std::uint64_t>{3, 2});
  CHECK(names(p) == std::vector<std::string>{"b.example", "c.example", "a.example", "z.example"});

  // Every order of three equal hosts comes out of some source; the lower preference never moves.
  std::set<std::vector<std::string>> seen;
  for (std::uint64_t x = 0; x < 3; ++x) {
    for (std::uint64_t y = 0; y < 2; ++y) {
      std::deque<std::uint64_t> s{x, y};
      auto q = plan_mx("example", a, [&](std::uint64_t) {
        auto v = s.front();
        s.pop_front();
        return v;
      });
      CHECK(q.hosts.back().name == "z.example");
      seen.insert(names(q));
    }
  }
  CHECK(seen.size() == 6);
}

TEST_CASE("plan_mx: no MX record (NODATA) means the implicit MX, the domain itself") {
  auto p = plan_mx("example.org", answer(dns_outcome::nodata), first);
  CHECK_FALSE(p.verdict);
  REQUIRE(p.hosts.size() == 1);
  CHECK(p.hosts[0].name == "example.org");
}

TEST_CASE("plan_mx: a null MX (MX 0 .) bounces with 5.1.10 without connecting") {
  for (std::string root : {".", ""}) {
    auto p = plan_mx("nomail.example", answer(dns_outcome::ok, {{0, root}}), first);
    REQUIRE(p.verdict);
    CHECK(p.hosts.empty());
    CHECK(p.verdict->fate == recipient_fate::bounced);
    CHECK(p.verdict->status == "5.1.10");
    CHECK(p.verdict->diagnostic.find("Recipient address has null MX") != std::string::npos);
  }
}

TEST_CASE("plan_mx: a root exchange beside real ones is skipped") {
  auto p = plan_mx("mixed.example", answer(dns_outcome::ok, {{0, "."}, {10, "mx.mixed.example"}}), first);
  CHECK_FALSE(p.verdict);
  CHECK(names(p) == std::vector<std::string>{"mx.mixed.example"});
}

TEST_CASE("plan_mx: NXDOMAIN bounces with 5.1.2") {
  auto p = plan_mx("gone.example", answer(dns_outcome::nxdomain), first);
  REQUIRE(p.verdict);
  CHECK(p.verdict->fate == recipient_fate::bounced);
  CHECK(p.verdict->status == "5.1.2");
  CHECK(p.hosts.empty());
}

TEST_CASE("plan_mx: a domain whose name is a CNAME loop bounces with 5.4.4, no implicit MX") {
  policy::mx_answer loop = answer(dns_outcome::nodata);
  loop.cname_loop = true;
  auto p = plan_mx("a.loop.example", loop, first);
  REQUIRE(p.verdict);
  CHECK(p.verdict->fate == recipient_fate::bounced);
  CHECK(p.verdict->status == "5.4.4");
  CHECK(p.verdict->bounce_type == "Permanent");
  CHECK(p.verdict->diagnostic.find("CNAME loop") != std::string::npos);
  CHECK(p.hosts.empty());
}

TEST_CASE("plan_mx: resolver trouble defers, never bounces") {
  for (auto o : {dns_outcome::servfail, dns_outcome::timeout, dns_outcome::refused, dns_outcome::bad_response}) {
    auto p = plan_mx("flaky.example", answer(o), first);
    REQUIRE(p.verdict);
    CHECK(p.verdict->fate == recipient_fate::deferred);
    CHECK(p.verdict->status == "4.4.3");
    CHECK(p.hosts.empty());
  }
}

TEST_CASE("order_addresses: IPv6 first, then IPv4; lookup trouble is remembered") {
  dns::address_answer v6{dns_outcome::ok, {"::1"}};
  dns::address_answer v4{dns_outcome::ok, {"127.0.0.2", "127.0.0.3"}};
  auto both = order_addresses(v6, v4);
  CHECK(both.addresses == std::vector<std::string>{"::1", "127.0.0.2", "127.0.0.3"});
  CHECK_FALSE(both.temporary);

  auto only4 = order_addresses({dns_outcome::nodata, {}}, v4);
  CHECK(only4.addresses == std::vector<std::string>{"127.0.0.2", "127.0.0.3"});
  CHECK_FALSE(only4.temporary);

  auto none = order_addresses({dns_outcome::nxdomain, {}}, {dns_outcome::nxdomain, {}});
  CHECK(none.addresses.empty());
  CHECK_FALSE(none.temporary);

  auto flaky = order_addresses({dns_outcome::timeout, {}}, v4);
  CHECK(flaky.addresses == std::vector<std::string>{"127.0.0.2", "127.0.0.3"});
  CHECK(flaky.temporary);
}

}  // namespace
}  // namespace mfrelay::relay
