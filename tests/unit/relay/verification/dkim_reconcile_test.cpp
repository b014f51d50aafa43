// reconcile_dkim(): which identities' DKIM records are checked, from which
// state, and which start at Pending or are forgotten after a (re)load.
#include <doctest/doctest.h>

#include "policy/identity.hpp"
#include "relay/verification/dkim_reconcile.hpp"
#include "support/fixed_time.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
using test::t0;
using test::t1;

policy::config dkim_config_with(std::vector<std::pair<std::string, bool>> identities) {
  policy::config cfg;
  for (auto& [name, dkim] : identities) {
    policy::identity id;
    id.name = name;
    id.kind = policy::identity_kind::domain;
    id.dkim = dkim;
    cfg.identities.add(id);
  }
  return cfg;
}

std::shared_ptr<const dkim::identity_keys> keys_for(std::string domain, std::vector<std::string> tokens) {
  return std::make_shared<const dkim::identity_keys>(
      dkim::identity_keys{std::move(domain), std::move(tokens), dkim::dkim_key::generate(dkim::key_type::ed25519)});
}

TEST_CASE("reconcile_dkim: new keys start at Pending; stored states for the same tokens are kept; the rest forgotten") {
  const auto cfg = dkim_config_with({{"new.example", true}, {"kept.example", true}, {"nokeys.example", true},
                                {"off.example", false}});
  std::map<std::string, std::shared_ptr<const dkim::identity_keys>> keys{
      {"new.example", keys_for("new.example", {"a", "b", "c"})},
      {"kept.example", keys_for("kept.example", {"d", "e", "f"})},
      {"off.example", keys_for("off.example", {"g", "h", "i"})}};
  auto lookup = [&](const std::string& d) { return keys.contains(d) ? keys.at(d) : nullptr; };
  stored_state kept;
  kept.identity = "kept.example";
  kept.mail_from_domain = "d e f";
  kept.state = {policy::mail_from_status::success, t0};
  kept.last_check = t0 + 5min;
  stored_state off = kept;
  off.identity = "off.example";
  off.mail_from_domain = "g h i";

  auto plan = reconcile_dkim(cfg, {kept, off}, lookup, t1);
  REQUIRE(plan.starts.size() == 1);
  CHECK(plan.starts[0].current.identity == "new.example");
  CHECK(plan.starts[0].current.mail_from_domain == "a b c");
  CHECK(plan.starts[0].current.state == policy::initial_state(t1));
  CHECK(plan.starts[0].transition->reason == "DKIM enabled");
  CHECK_FALSE(plan.starts[0].transition->from);

  REQUIRE(plan.targets.size() == 2);  // nokeys.example waits for its keys: NOT_STARTED
  const auto& k = plan.targets[0].identity == "kept.example" ? plan.targets[0] : plan.targets[1];
  CHECK(k.state == kept.state);
  CHECK(k.last_check == kept.last_check);
  CHECK(k.expected_key == keys["kept.example"]->key.public_key_base64());
  CHECK(plan.removed == std::vector<std::string>{"off.example"});

  // New keys for a stored identity (other tokens): back to Pending, the old status in the transition.
  keys["kept.example"] = keys_for("kept.example", {"x", "y", "z"});
  plan = reconcile_dkim(cfg, {kept}, lookup, t1);
  REQUIRE(plan.starts.size() == 2);
  const auto& restarted = plan.starts[0].current.identity == "kept.example" ? plan.starts[0] : plan.starts[1];
  CHECK(restarted.transition->from == policy::mail_from_status::success);
  CHECK(restarted.transition->reason == "DKIM keys changed");
  CHECK(restarted.current.mail_from_domain == "x y z");
}

}  // namespace
}  // namespace mfrelay::relay
