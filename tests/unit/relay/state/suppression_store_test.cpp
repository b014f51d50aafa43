// The suppression store: rows and the account's reasons survive a reopen.
#include <doctest/doctest.h>

#include <algorithm>

#include "relay/state/sqlite_suppression_store.hpp"
#include "support/temp_dir.hpp"
#include "support/fixed_time.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
using test::t0;

TEST_CASE("entries and reasons survive a reopen; remove says whether it removed") {
  test::temp_dir dir;
  const std::string path = (dir.path() / "state.db").string();
  {
    sqlite_suppression_store store(path);
    CHECK_FALSE(store.load_reasons());
    store.put({"Bob@example.com", suppression_reason::bounce, t0, "0100abc", "0100abc-000001"});
    store.put({"eve@example.org", suppression_reason::complaint, t0 + 1s, "", ""});
    store.put({"eve@example.org", suppression_reason::bounce, t0 + 2s, "", ""});  // replaces
    store.save_reasons({suppression_reason::complaint});
  }
  sqlite_suppression_store store(path);
  auto rows = store.load_all();
  REQUIRE(rows.size() == 2);
  std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.address < b.address; });
  CHECK(rows[0] == suppressed_destination{"Bob@example.com", suppression_reason::bounce, t0, "0100abc", "0100abc-000001"});
  CHECK(rows[1].reason == suppression_reason::bounce);
  CHECK(rows[1].last_update == t0 + 2s);
  CHECK(store.load_reasons() == std::vector{suppression_reason::complaint});
  CHECK(store.remove("eve@example.org"));
  CHECK_FALSE(store.remove("eve@example.org"));
  store.save_reasons({});
  CHECK(store.load_reasons() == std::vector<suppression_reason>{});
}

}  // namespace
}  // namespace mfrelay::relay
