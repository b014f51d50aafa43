// validate_config: the rules that span entries of mfrelay.toml — listeners
// (names and addresses unique, password auth only under TLS, at least one),
// users (unique, usable, naming declared identities), network listeners
// needing network users — each reported at the offending entry.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "policy/config.hpp"

namespace mfrelay::policy {
namespace {

using namespace test;

const std::string main_file = "conf/mfrelay.toml";

origin line(std::uint32_t n) { return {main_file, n, 1}; }

listener_settings listener(std::string name, std::string address, tls_mode tls, auth_mode auth, std::uint32_t at_line) {
  auto parsed = parse_host_port(address, true);
  REQUIRE(parsed);
  return {std::move(name), *parsed, tls, auth, line(at_line)};
}

user make_user(std::string name, std::string hash, std::vector<std::string> networks,
               std::vector<std::string> identities, std::uint32_t at_line) {
  user u;
  u.name = std::move(name);
  u.password_hash = std::move(hash);
  for (const auto& text : networks) {
    auto net = parse_ip_network(text);
    REQUIRE(net);
    u.networks.push_back(*net);
  }
  u.identities = std::move(identities);
  u.where = line(at_line);
  return u;
}

// DESIGN.md's sample configuration: valid as it stands.
config sample_config() {
  config cfg;
  cfg.main_file = main_file;
  cfg.listeners = {
      listener("submission", "127.0.0.1:2587", tls_mode::starttls, auth_mode::password, 6),
      listener("submissions", "127.0.0.1:2465", tls_mode::implicit, auth_mode::password, 12),
      listener("local", "127.0.0.1:2525", tls_mode::none, auth_mode::network, 18),
  };
  cfg.users = {
      make_user("app1", "$pbkdf2-sha256$x", {}, {"example.com"}, 28),
      make_user("local-apps", "", {"127.0.0.0/8", "::1/128"}, {"*"}, 33),
  };
  cfg.identities = make_table({make_identity("example.com", "mail.example.com"),
                               make_identity("billing@example.com", "bounce.example.com", reject_msg, 5)});
  return cfg;
}

TEST_CASE("the sample configuration is valid") {
  CHECK(validate_config(sample_config()).empty());
}

TEST_CASE("validate_config: each rule, reported at the offending entry") {
  struct row {
    std::string rule;
    std::function<void(config&)> change;
    std::vector<config_error> expected;
  };
  const row rows[] = {
      {"no listeners", [](config& c) { c.listeners.clear(); },
       {{line(1), "no [[listener]] is configured: mfrelay would accept no mail"}}},
      {"duplicate listener name",
       [](config& c) {
         c.listeners.push_back(listener("submission", "127.0.0.1:3587", tls_mode::starttls, auth_mode::password, 40));
       },
       {{line(40), "listener name 'submission' is already used at conf/mfrelay.toml:6:1"}}},
      {"duplicate listener address",
       [](config& c) {
         c.listeners.push_back(listener("other", "127.0.0.1:2465", tls_mode::implicit, auth_mode::password, 40));
       },
       {{line(40), "listener address 127.0.0.1:2465 is already used at conf/mfrelay.toml:12:1"}}},
      {"duplicate IPv6 listener address",
       [](config& c) {
         c.listeners.push_back(listener("v6a", "[::1]:2587", tls_mode::starttls, auth_mode::password, 40));
         c.listeners.push_back(listener("v6b", "[::1]:2587", tls_mode::starttls, auth_mode::password, 46));
       },
       {{line(46), "listener address [::1]:2587 is already used at conf/mfrelay.toml:40:1"}}},
      {"password auth without TLS",
       [](config& c) {
         c.listeners.push_back(listener("plain", "127.0.0.1:2526", tls_mode::none, auth_mode::password, 40));
       },
       {{line(40), "listener 'plain': auth = \"password\" needs tls = \"starttls\" or \"implicit\" (AUTH is only "
                   "offered under TLS)"}}},
      {"duplicate user",
       [](config& c) { c.users.push_back(make_user("app1", "$pbkdf2-sha256$y", {}, {"*"}, 50)); },
       {{line(50), "user 'app1' is declared twice"}}},
      {"user without password_hash nor networks",
       [](config& c) { c.users.push_back(make_user("ghost", "", {}, {"*"}, 50)); },
       {{line(50), "user 'ghost' has neither password_hash nor networks: nobody could use it"}}},
      {"user naming an undeclared identity",
       [](config& c) { c.users.push_back(make_user("app2", "$h", {}, {"example.com", "example.org"}, 50)); },
       {{line(50), "user 'app2' may send as 'example.org', which is not a declared identity"}}},
      {"user naming an undeclared address",
       [](config& c) { c.users.push_back(make_user("app2", "$h", {}, {"alerts@example.com"}, 50)); },
       {{line(50), "user 'app2' may send as 'alerts@example.com', which is not a declared identity"}}},
      {"network listener without network users",
       [](config& c) { c.users[1].networks.clear(); c.users[1].password_hash = "$h"; },
       {{line(18), "listener 'local' uses auth = \"network\" but no [[user]] has networks"}}},
      {"identity errors come first",
       [](config& c) {
         c.identities.add(make_identity("example.net", "mail.example.org", use_default, 20));
         c.users.push_back(make_user("ghost", "", {}, {"*"}, 50));
       },
       {{at(21), "Provided MAIL-FROM domain mail.example.org is not subdomain of the domain of the identity "
                 "example.net."},
        {line(50), "user 'ghost' has neither password_hash nor networks: nobody could use it"}}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.rule);
    config cfg = sample_config();
    r.change(cfg);
    auto errors = validate_config(cfg);
    REQUIRE(errors.size() == r.expected.size());
    for (std::size_t i = 0; i < errors.size(); ++i) {
      CHECK(to_string(errors[i]) == to_string(r.expected[i]));
    }
  }
}

TEST_CASE("validate_config: what is allowed") {
  struct row {
    std::string rule;
    std::function<void(config&)> change;
  };
  const row rows[] = {
      {"several listeners on port 0 (each picks a free port)",
       [](config& c) {
         c.listeners.push_back(listener("t1", "127.0.0.1:0", tls_mode::starttls, auth_mode::password, 40));
         c.listeners.push_back(listener("t2", "127.0.0.1:0", tls_mode::starttls, auth_mode::password, 46));
       }},
      {"the same port on two addresses",
       [](config& c) {
         c.listeners.push_back(listener("v6", "[::1]:2587", tls_mode::starttls, auth_mode::password, 40));
       }},
      {"network auth under TLS",
       [](config& c) {
         c.listeners.push_back(listener("local-tls", "127.0.0.1:2465", tls_mode::implicit, auth_mode::network, 40));
         c.listeners.erase(c.listeners.begin() + 1);
       }},
      {"a network user without a password", [](config& c) { c.users.erase(c.users.begin()); }},
      {"a user with both a password and networks",
       [](config& c) { c.users.push_back(make_user("both", "$h", {"10.0.0.0/8"}, {"example.com"}, 50)); }},
      {"a user naming a declared address identity and \"*\"",
       [](config& c) { c.users.push_back(make_user("app2", "$h", {}, {"billing@example.com", "*"}, 50)); }},
      {"a user allowed no identity", [](config& c) { c.users.push_back(make_user("none", "$h", {}, {}, 50)); }},
      {"no users when no listener uses network auth",
       [](config& c) {
         c.users.clear();
         c.listeners.pop_back();
       }},
  };
  for (const auto& r : rows) {
    CAPTURE(r.rule);
    config cfg = sample_config();
    r.change(cfg);
    auto errors = validate_config(cfg);
    CHECK_MESSAGE(errors.empty(), (errors.empty() ? std::string() : to_string(errors.front())));
  }
}

TEST_CASE("errors render as file:line:col: message") {
  CHECK(to_string(config_error{{"conf/mfrelay.toml", 12, 3}, "bad"}) == "conf/mfrelay.toml:12:3: bad");
  CHECK(to_string(config_error{{"conf/policy.d", 0, 0}, "cannot read"}) == "conf/policy.d: cannot read");
  CHECK(to_string(origin{"a.toml", 1, 1}) == "a.toml:1:1");
}

}  // namespace
}  // namespace mfrelay::policy
