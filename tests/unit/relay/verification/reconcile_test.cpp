// reconcile(): what a (re)loaded configuration means for verification.
#include <doctest/doctest.h>

#include "policy/identity.hpp"
#include "relay/verification/reconcile.hpp"
#include "support/fixed_time.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
using test::t0;
using test::t1;

policy::config config_with(std::vector<std::pair<std::string, std::string>> identities) {
  policy::config cfg;
  for (auto& [name, mail_from] : identities) {
    policy::identity id;
    id.name = name;
    id.kind = name.find('@') == std::string::npos ? policy::identity_kind::domain : policy::identity_kind::email_address;
    id.mail_from_domain = mail_from;
    cfg.identities.add(id);
  }
  return cfg;
}

stored_state stored(std::string identity, std::string domain, policy::mail_from_status status) {
  stored_state s;
  s.identity = std::move(identity);
  s.mail_from_domain = std::move(domain);
  s.state = {status, t0};
  s.last_check = t0 + 5min;
  return s;
}

TEST_CASE("a new MAIL FROM setting starts at Pending, written before it is checked") {
  const auto cfg = config_with({{"example.com", "mail.example.com"}, {"plain.org", ""}});
  auto plan = reconcile(cfg, {}, t1);
  REQUIRE(plan.starts.size() == 1);
  const auto w = start_write(plan.starts[0], t1);
  CHECK(w.current.identity == "example.com");
  CHECK(w.current.state == policy::verification_state{policy::mail_from_status::pending, t1});
  REQUIRE(w.transition);
  CHECK_FALSE(w.transition->from);
  CHECK(w.transition->to == policy::mail_from_status::pending);
  CHECK(w.transition->reason == "MAIL FROM domain set to mail.example.com");
  REQUIRE(plan.targets.size() == 1);  // plain.org has no MAIL FROM: nothing to check
  CHECK(plan.targets[0].mail_from_domain == "mail.example.com");
  CHECK_FALSE(plan.targets[0].last_check);
  CHECK(plan.removed.empty());
}

TEST_CASE("an unchanged setting keeps its stored state and last check") {
  auto plan = reconcile(config_with({{"example.com", "mail.example.com"}}),
                        {stored("example.com", "mail.example.com", policy::mail_from_status::success)}, t1);
  CHECK(plan.starts.empty());
  REQUIRE(plan.targets.size() == 1);
  CHECK(plan.targets[0].state == policy::verification_state{policy::mail_from_status::success, t0});
  CHECK(plan.targets[0].last_check == t0 + 5min);
}

TEST_CASE("a changed MAIL FROM domain restarts at Pending, even from Failed") {
  const auto cfg = config_with({{"example.com", "bounce.example.com"}});
  auto plan = reconcile(cfg, {stored("example.com", "mail.example.com", policy::mail_from_status::failed)}, t1);
  REQUIRE(plan.starts.size() == 1);
  const auto w = start_write(plan.starts[0], t1);
  CHECK(w.current.mail_from_domain == "bounce.example.com");
  CHECK(w.current.state == policy::verification_state{policy::mail_from_status::pending, t1});
  REQUIRE(w.transition);
  CHECK(w.transition->from == policy::mail_from_status::failed);
  CHECK(w.transition->reason == "MAIL FROM domain changed from mail.example.com to bounce.example.com");
  REQUIRE(plan.targets.size() == 1);
  CHECK(plan.targets[0].state.status == policy::mail_from_status::pending);
  CHECK(plan.removed.empty());
}

TEST_CASE("identities gone, or without MAIL FROM now, are forgotten") {
  auto plan = reconcile(config_with({{"example.com", ""}}),
                        {stored("example.com", "mail.example.com", policy::mail_from_status::success),
                         stored("gone.org", "mail.gone.org", policy::mail_from_status::pending)},
                        t1);
  CHECK(plan.targets.empty());
  CHECK(plan.starts.empty());
  CHECK(plan.removed == std::vector<std::string>{"example.com", "gone.org"});
}

}  // namespace
}  // namespace mfrelay::relay
