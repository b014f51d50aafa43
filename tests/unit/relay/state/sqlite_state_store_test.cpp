// The SQLite state store: what is written survives reopening; history is kept.
#include <doctest/doctest.h>

#include "relay/state/sqlite_state_store.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
const policy::timestamp t0{1'700'000'000'000ms};

state_write write_of(std::string identity, policy::mail_from_status status, std::optional<policy::mail_from_status> from) {
  state_write w;
  w.current.identity = identity;
  w.current.mail_from_domain = "mail." + identity;
  w.current.state = {status, t0 + 1s};
  w.current.last_check = t0 + 2s;
  w.current.last_outcome = "pass";
  w.current.reason = "exactly one MX";
  w.current.spf = policy::spf_status::wrong;
  w.current.spf_reason = "lacks include:amazonses.com";
  w.transition = state_transition{identity, "mail." + identity, from, status, t0 + 1s, "why", R"({"mx":{}})"};
  return w;
}

TEST_CASE("states and transitions survive a reopen") {
  test::temp_dir dir;
  const std::string path = (dir.path() / "state.db").string();
  {
    sqlite_state_store store(path);
    store.write({write_of("example.com", policy::mail_from_status::pending, std::nullopt)});
    store.write({write_of("example.com", policy::mail_from_status::success, policy::mail_from_status::pending),
                 write_of("other.org", policy::mail_from_status::pending, std::nullopt)});
  }
  sqlite_state_store store(path, true);
  auto rows = store.load_all();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].identity == "example.com");
  CHECK(rows[0].mail_from_domain == "mail.example.com");
  CHECK(rows[0].state == policy::verification_state{policy::mail_from_status::success, t0 + 1s});
  CHECK(rows[0].last_check == t0 + 2s);
  CHECK(rows[0].spf == policy::spf_status::wrong);
  CHECK(rows[0].spf_reason == "lacks include:amazonses.com");

  auto history = store.history("example.com", 10);
  REQUIRE(history.size() == 2);  // newest first
  CHECK(history[0].from == policy::mail_from_status::pending);
  CHECK(history[0].to == policy::mail_from_status::success);
  CHECK_FALSE(history[1].from);
  CHECK(history[1].evidence == R"({"mx":{}})");
  CHECK(store.history("", 10).size() == 3);
  CHECK(store.history("", 1).size() == 1);
}

TEST_CASE("load reads one identity's current state, the latest written") {
  test::temp_dir dir;
  sqlite_state_store store((dir.path() / "state.db").string());
  CHECK_FALSE(store.load("example.com"));  // nothing written yet
  store.write({write_of("example.com", policy::mail_from_status::pending, std::nullopt),
               write_of("other.org", policy::mail_from_status::pending, std::nullopt)});
  store.write({write_of("example.com", policy::mail_from_status::success, policy::mail_from_status::pending)});
  auto row = store.load("example.com");
  REQUIRE(row);
  CHECK(row->identity == "example.com");
  CHECK(row->mail_from_domain == "mail.example.com");
  CHECK(row->state == policy::verification_state{policy::mail_from_status::success, t0 + 1s});
  CHECK(row->last_check == t0 + 2s);
  CHECK(row->reason == "exactly one MX");
  CHECK(row->spf == policy::spf_status::wrong);
  CHECK_FALSE(store.load("missing.example"));
  store.remove({"example.com"});
  CHECK_FALSE(store.load("example.com"));
  CHECK(store.load("other.org"));
}

TEST_CASE("remove forgets the current state but keeps history") {
  test::temp_dir dir;
  sqlite_state_store store((dir.path() / "state.db").string());
  store.write({write_of("example.com", policy::mail_from_status::pending, std::nullopt)});
  store.remove({"example.com"});
  CHECK(store.load_all().empty());
  CHECK(store.history("example.com", 10).size() == 1);
}

TEST_CASE("a store that cannot be opened says which file") {
  test::temp_dir dir;
  CHECK_THROWS_WITH(sqlite_state_store((dir.path() / "missing" / "state.db").string()),
                    doctest::Contains("missing/state.db"));
}

}  // namespace
}  // namespace mfrelay::relay
