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

TEST_CASE("state_snapshot: a key computed ahead finds what the names find, even when it is stale") {
  state_snapshot states;
  const auto key = state_snapshot::key_of("example.com", "mail.example.com");
  CHECK(states.status_of(key, "example.com", "mail.example.com") == mail_from_status::pending);

  states.set("example.com", "mail.example.com", {mail_from_status::success, t0});
  states.set("example.org", "mail.example.org", {mail_from_status::failed, t0});
  CHECK(states.find(key, "example.com", "mail.example.com") == verification_state{mail_from_status::success, t0});

  // A key made for another setting (an identity edited since): the names decide.
  CHECK(states.status_of(key, "example.org", "mail.example.org") == mail_from_status::failed);
  states.set("example.com", "bounce.example.com", {mail_from_status::temporary_failure, t0});
  CHECK(states.status_of(key, "example.com", "bounce.example.com") == mail_from_status::temporary_failure);
  CHECK(states.status_of(key, "example.com", "mail.example.com") == mail_from_status::pending);
  CHECK(states.status_of(state_snapshot::key_of("example.com", "bounce.example.com"), "example.com",
                         "bounce.example.com") == mail_from_status::temporary_failure);
}

TEST_CASE("state_snapshot: a copy changed by set() leaves the original as it was") {
  // Enough identities that every shard holds several: moving one identity to
  // another MAIL FROM domain re-indexes its shard, and its neighbours must
  // still be found, in the copy and in the original.
  state_snapshot original;
  const verification_state pending{mail_from_status::pending, t0};
  const verification_state success{mail_from_status::success, t0 + 1h};
  auto name = [](int i) { return "d" + std::to_string(i) + ".example"; };
  auto domain = [&](int i) { return "mail." + name(i); };
  for (int i = 0; i < 5000; ++i) original.set(name(i), domain(i), pending);

  state_snapshot copy = original;
  for (int i = 0; i < 5000; i += 7) copy.set(name(i), domain(i), success);
  copy.set(name(3), "bounce." + name(3), success);
  CHECK(copy.size() == 5000);

  for (int i = 0; i < 5000; ++i) {
    CHECK(original.find(name(i), domain(i)) == pending);
    if (i == 3) {
      CHECK_FALSE(copy.find(name(i), domain(i)));
      CHECK(copy.find(name(i), "bounce." + name(i)) == success);
    } else {
      CHECK(copy.find(name(i), domain(i)) == (i % 7 == 0 ? success : pending));
    }
  }
  CHECK_FALSE(original.find(name(3), "bounce." + name(3)));
}

TEST_CASE("state_snapshot: contains() knows an identity whatever its MAIL FROM domain") {
  state_snapshot s;
  CHECK_FALSE(s.contains("example.com"));
  s.set("example.com", "mail.example.com", {mail_from_status::success, t0});
  CHECK(s.contains("example.com"));
  CHECK_FALSE(s.contains("other.example"));
  s.set("example.com", "bounce.example.com", {mail_from_status::pending, t0});
  CHECK(s.contains("example.com"));
}

}  // namespace
}  // namespace mfrelay::policy
