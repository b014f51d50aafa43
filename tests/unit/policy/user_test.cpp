// Users: which identities each may send as ("*", the identity, a parent
// domain's allowance; an address allows only itself), which user a client
// address maps to, and lookup by name.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "policy/user.hpp"

namespace mfrelay::policy {
namespace {

using namespace test;

user allowed(std::vector<std::string> identities) {
  user u;
  u.name = "app";
  u.password_hash = "$h";
  u.identities = std::move(identities);
  return u;
}

TEST_CASE("may_send_as") {
  struct row {
    std::vector<std::string> allowances;
    std::string identity;
    bool expected;
  };
  const row rows[] = {
      {{"*"}, "example.com", true},
      {{"*"}, "billing@example.com", true},
      {{"*"}, "other.org", true},
      {{"example.com"}, "example.com", true},
      {{"example.com"}, "sub.example.com", true},        // a parent domain allows its subdomains
      {{"example.com"}, "a.b.example.com", true},
      {{"example.com"}, "billing@example.com", true},    // ... and addresses at it
      {{"example.com"}, "billing@sub.example.com", true},
      {{"example.com"}, "other.org", false},
      {{"example.com"}, "badexample.com", false},
      {{"sub.example.com"}, "example.com", false},       // a subdomain does not allow its parent
      {{"sub.example.com"}, "billing@example.com", false},
      {{"billing@example.com"}, "billing@example.com", true},  // an address allows only itself
      {{"billing@example.com"}, "example.com", false},
      {{"billing@example.com"}, "ops@example.com", false},
      {{"billing@example.com"}, "Billing@example.com", false},
      {{"billing@example.com"}, "sub.example.com", false},
      {{"other.org", "example.com"}, "billing@example.com", true},
      {{}, "example.com", false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.identity);
    CAPTURE(r.allowances.empty() ? std::string("(none)") : r.allowances.front());
    CHECK(allowed(r.allowances).may_send_as(make_identity(r.identity)) == r.expected);
  }
}

TEST_CASE("user_for_address: the first user whose networks contain the client") {
  auto with_networks = [](std::string name, std::vector<std::string> texts) {
    user u;
    u.name = std::move(name);
    for (const auto& text : texts) {
      auto net = parse_ip_network(text);
      REQUIRE(net);
      u.networks.push_back(*net);
    }
    return u;
  };
  const std::vector<user> users = {
      allowed({"*"}),  // password only: never matched by address
      with_networks("lan", {"10.0.0.0/8", "fd00::/8"}),
      with_networks("host", {"10.1.2.3"}),  // shadowed by "lan", which comes first
      with_networks("loopback", {"127.0.0.0/8", "::1/128"}),
  };
  struct row {
    std::string client, user;  // "" = nobody
  };
  const row rows[] = {
      {"10.1.2.3", "lan"},           {"10.255.0.1", "lan"},  {"fd12::1", "lan"},
      {"127.0.0.1", "loopback"},     {"::1", "loopback"},    {"::ffff:127.0.0.1", "loopback"},
      {"192.0.2.1", ""},             {"fe80::1", ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.client);
    auto client = parse_ip_address(r.client);
    REQUIRE(client);
    const user* found = user_for_address(users, *client);
    if (r.user.empty()) {
      CHECK(found == nullptr);
    } else {
      REQUIRE(found != nullptr);
      CHECK(found->name == r.user);
    }
  }
}

TEST_CASE("find_user") {
  std::vector<user> users = {allowed({"*"}), allowed({"example.com"})};
  users[1].name = "app2";
  REQUIRE(find_user(users, "app2") != nullptr);
  CHECK(find_user(users, "app2")->identities == std::vector<std::string>{"example.com"});
  CHECK(find_user(users, "app")->identities == std::vector<std::string>{"*"});
  CHECK(find_user(users, "App2") == nullptr);
  CHECK(find_user(users, "") == nullptr);
  CHECK(find_user({}, "app") == nullptr);
}

}  // namespace
}  // namespace mfrelay::policy
