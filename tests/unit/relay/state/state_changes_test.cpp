// What a node that only reads the shared store logs: the changes between two sets of states.
#include <doctest/doctest.h>

#include "relay/state/state_changes.hpp"
#include "support/fixed_time.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
using policy::mail_from_status;
using test::t0;

stored_state state_of(std::string identity, mail_from_status status, policy::timestamp since = t0) {
  stored_state s;
  s.identity = identity;
  s.mail_from_domain = "bounce." + identity;
  s.state = {status, since};
  s.last_check = since;
  return s;
}

std::map<std::string, stored_state> by_identity(std::vector<stored_state> states) {
  std::map<std::string, stored_state> out;
  for (auto& s : states) out.emplace(s.identity, std::move(s));
  return out;
}

TEST_CASE("nothing changed: no change, even with a newer check") {
  auto before = by_identity({state_of("a.com", mail_from_status::success)});
  auto again = state_of("a.com", mail_from_status::success);
  again.last_check = t0 + 5s;
  again.reason = "checked again";
  CHECK(state_changes(before, {again}).empty());
  CHECK(state_changes({}, {}).empty());
}

TEST_CASE("a status change, a new identity and a removed one, in identity order") {
  auto before = by_identity({state_of("b.com", mail_from_status::success), state_of("c.com", mail_from_status::pending)});
  auto changes = state_changes(before, {state_of("b.com", mail_from_status::temporary_failure, t0 + 1s),
                                        state_of("a.com", mail_from_status::pending)});
  REQUIRE(changes.size() == 3);
  CHECK(changes[0].identity == "a.com");
  CHECK_FALSE(changes[0].from);
  CHECK(changes[0].to == mail_from_status::pending);
  CHECK(changes[1].identity == "b.com");
  CHECK(changes[1].mail_from_domain == "bounce.b.com");
  CHECK(changes[1].from == mail_from_status::success);
  CHECK(changes[1].to == mail_from_status::temporary_failure);
  CHECK(changes[2].identity == "c.com");
  CHECK(changes[2].from == mail_from_status::pending);
  CHECK_FALSE(changes[2].to);
}

TEST_CASE("a new MAIL FROM domain or a restarted state is a change") {
  auto before = by_identity({state_of("a.com", mail_from_status::pending)});
  auto moved = state_of("a.com", mail_from_status::pending);
  moved.mail_from_domain = "mail.a.com";
  auto changes = state_changes(before, {moved});
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].mail_from_domain == "mail.a.com");
  CHECK(state_changes(before, {state_of("a.com", mail_from_status::pending, t0 + 1s)}).size() == 1);
}

}  // namespace
}  // namespace mfrelay::relay
