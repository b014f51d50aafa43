// The in-memory suppression list: canonical addresses, automatic reasons
// (SES: an empty SuppressedReasons stops automatic entries but not lookups),
// list filters and paging, and write-through to the store.
#include <doctest/doctest.h>

#include "relay/feedback/suppression_list.hpp"
#include "relay/state/sqlite_suppression_store.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
const policy::timestamp t0{1'700'000'000'000ms};
const std::vector<suppression_reason> both{suppression_reason::bounce, suppression_reason::complaint};

TEST_CASE("the domain is case-insensitive, the local part is not") {
  suppression_list l(nullptr, both);
  CHECK(suppression_list::canonical("Bob@Example.COM") == "Bob@example.com");
  CHECK_FALSE(suppression_list::canonical("not an address"));
  l.put("Bob@Example.COM", suppression_reason::bounce, t0);
  CHECK(l.suppressed("Bob@example.com"));
  CHECK(l.suppressed("Bob@EXAMPLE.com"));
  CHECK_FALSE(l.suppressed("bob@example.com"));
  CHECK_THROWS_AS(l.put("nope", suppression_reason::bounce, t0), std::invalid_argument);
}

TEST_CASE("automatic entries honour the reasons; explicit ones always apply") {
  suppression_list l(nullptr, {suppression_reason::bounce});
  CHECK(l.add("a@example.com", suppression_reason::bounce, t0, "m1", "m1-000001"));
  CHECK_FALSE(l.add("b@example.com", suppression_reason::complaint, t0, "m2"));
  CHECK(l.suppressed("a@example.com"));
  CHECK_FALSE(l.suppressed("b@example.com"));
  CHECK(l.get("a@example.com")->message_id == "m1");
  l.set_automatic_reasons({});
  CHECK_FALSE(l.add("c@example.com", suppression_reason::bounce, t0, "m3"));
  CHECK_FALSE(l.suppressed("c@example.com"));
  CHECK(l.suppressed("a@example.com"));  // still listed, still suppressed
  l.put("c@example.com", suppression_reason::complaint, t0);
  CHECK(l.suppressed("c@example.com"));
  CHECK(l.remove("c@example.com"));
  CHECK_FALSE(l.remove("c@example.com"));
  CHECK_FALSE(l.suppressed("c@example.com"));
}

TEST_CASE("list filters by reason and time, pages by address") {
  suppression_list l(nullptr, both);
  for (int i = 0; i < 5; ++i)
    l.put("u" + std::to_string(i) + "@example.com", i % 2 ? suppression_reason::complaint : suppression_reason::bounce,
          t0 + std::chrono::hours(i));
  suppression_query q;
  q.page_size = 2;
  auto p1 = l.list(q);
  REQUIRE(p1.items.size() == 2);
  CHECK(p1.items[0].address == "u0@example.com");
  CHECK(p1.next == "u1@example.com");
  q.after = p1.next;
  auto p2 = l.list(q);
  CHECK(p2.items[0].address == "u2@example.com");
  q.after = p2.next;
  auto p3 = l.list(q);
  CHECK(p3.items.size() == 1);
  CHECK(p3.next.empty());

  suppression_query complaints;
  complaints.reasons = {suppression_reason::complaint};
  CHECK(l.list(complaints).items.size() == 2);
  suppression_query window;
  window.start = t0 + 1h;
  window.end = t0 + 3h;
  CHECK(l.list(window).items.size() == 3);
}

TEST_CASE("writes go through to the store and come back after a restart") {
  test::temp_dir dir;
  const std::string path = (dir.path() / "state.db").string();
  {
    sqlite_suppression_store store(path);
    suppression_list l(&store, both);
    l.add("a@example.com", suppression_reason::complaint, t0, "m1");
    l.put("b@example.com", suppression_reason::bounce, t0);
    l.remove("b@example.com");
    l.set_automatic_reasons({suppression_reason::bounce});
  }
  sqlite_suppression_store store(path);
  suppression_list l(&store, both);
  CHECK(l.suppressed("a@example.com"));
  CHECK_FALSE(l.suppressed("b@example.com"));
  CHECK(l.automatic_reasons() == std::vector{suppression_reason::bounce});  // the API's choice beats the config's
}

}  // namespace
}  // namespace mfrelay::relay
