// The live-state snapshot: a state counts only for the MAIL FROM domain it was
// checked for; anything else (never checked, an older domain) is Pending.
#include <doctest/doctest.h>

#include "fixtures.hpp"
#include "policy/state_snapshot.hpp"

namespace mfrelay::policy {
namespace {

using namespace std::chrono_literals;
using test::t0;

TEST_CASE("state_snapshot keys states by identity and MAIL FROM domain") {
  state_snapshot states;
  CHECK(states.status_of("example.com", "mail.example.com") == mail_from_status::pending);
  CHECK_FALSE(states.find("example.com", "mail.example.com"));

  states.set("example.com", "mail.example.com", {mail_from_status::success, t0});
  CHECK(states.find("example.com", "mail.example.com") == verification_state{mail_from_status::success, t0});
  CHECK(states.status_of("example.com", "mail.example.com") == mail_from_status::success);
  CHECK(states.status_of("other.example", "mail.example.com") == mail_from_status::pending);

  // The setting moved to another domain: the old state says nothing about it.
  CHECK_FALSE(states.find("example.com", "bounce.example.com"));
  CHECK(states.status_of("example.com", "bounce.example.com") == mail_from_status::pending);

  // A new state for the identity replaces the old one.
  states.set("example.com", "bounce.example.com", {mail_from_status::failed, t0 + 72h});
  CHECK(states.size() == 1);
  CHECK(states.status_of("example.com", "bounce.example.com") == mail_from_status::failed);
  CHECK(states.status_of("example.com", "mail.example.com") == mail_from_status::pending);

  states.set("billing@example.com", "bounce.example.com", {mail_from_status::temporary_failure, t0});
  CHECK(states.size() == 2);
  CHECK(states.status_of("billing@example.com", "bounce.example.com") == mail_from_status::temporary_failure);
  CHECK(states.status_of("Billing@example.com", "bounce.example.com") == mail_from_status::pending);
}

}  // namespace
}  // namespace mfrelay::policy
