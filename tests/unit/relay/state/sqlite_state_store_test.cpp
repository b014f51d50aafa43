// The SQLite state store: what is written survives reopening; history is kept.
#include <doctest/doctest.h>

#include "relay/state/sqlite_state_store.hpp"
#include "support/temp_dir.hpp"
#include "support/fixed_time.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
using test::t0;

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

#include <sqlite3.h>

namespace mfrelay::relay {
namespace {

TEST_CASE("DKIM states live beside the MAIL FROM ones, keyed by identity and kind") {
  test::temp_dir dir;
  const std::string path = (dir.path() / "state.db").string();
  {
    sqlite_state_store mail_from(path);
    sqlite_state_store dkim(path, false, verification_kind::dkim);
    mail_from.write({write_of("example.com", policy::mail_from_status::success, std::nullopt)});
    state_write w = write_of("example.com", policy::mail_from_status::pending, std::nullopt);
    w.current.mail_from_domain = w.transition->mail_from_domain = "tok1 tok2 tok3";
    dkim.write({w});
    dkim.remove({"other.org"});
  }
  sqlite_state_store mail_from(path, true);
  sqlite_state_store dkim(path, true, verification_kind::dkim);
  REQUIRE(mail_from.load_all().size() == 1);
  CHECK(mail_from.load("example.com")->state.status == policy::mail_from_status::success);
  CHECK(mail_from.load("example.com")->mail_from_domain == "mail.example.com");
  auto row = dkim.load("example.com");
  REQUIRE(row);
  CHECK(row->state.status == policy::mail_from_status::pending);
  CHECK(row->mail_from_domain == "tok1 tok2 tok3");
  REQUIRE(dkim.history("", 10).size() == 1);
  CHECK(dkim.history("", 10)[0].mail_from_domain == "tok1 tok2 tok3");
  CHECK(mail_from.history("", 10).size() == 1);
}

TEST_CASE("a version 1 store gains the DKIM tables on start and keeps its MAIL FROM rows") {
  test::temp_dir dir;
  const std::string path = (dir.path() / "state.db").string();
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    const char* v1 =
        "CREATE TABLE mail_from_state (identity TEXT PRIMARY KEY, mail_from_domain TEXT NOT NULL, status TEXT NOT "
        "NULL, since_ms INTEGER NOT NULL, last_check_ms INTEGER, last_outcome TEXT NOT NULL DEFAULT '', reason TEXT "
        "NOT NULL DEFAULT '', spf TEXT NOT NULL DEFAULT 'unknown', spf_reason TEXT NOT NULL DEFAULT '');"
        "CREATE TABLE mail_from_history (id INTEGER PRIMARY KEY AUTOINCREMENT, identity TEXT NOT NULL, "
        "mail_from_domain TEXT NOT NULL, from_status TEXT, to_status TEXT NOT NULL, at_ms INTEGER NOT NULL, reason "
        "TEXT NOT NULL DEFAULT '', evidence TEXT NOT NULL DEFAULT '');"
        "INSERT INTO mail_from_state (identity, mail_from_domain, status, since_ms) VALUES ('example.com', "
        "'mail.example.com', 'Success', 5); PRAGMA user_version = 1;";
    REQUIRE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  // A reader of the old file sees no DKIM state, and no error.
  CHECK(sqlite_state_store(path, true, verification_kind::dkim).load_all().empty());
  { sqlite_state_store upgraded(path); }
  sqlite_state_store dkim(path, false, verification_kind::dkim);
  CHECK(dkim.load_all().empty());
  state_write w = write_of("example.com", policy::mail_from_status::pending, std::nullopt);
  dkim.write({w});
  CHECK(dkim.load_all().size() == 1);
  auto kept = sqlite_state_store(path, true).load_all();
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].state.status == policy::mail_from_status::success);
}

}  // namespace
}  // namespace mfrelay::relay
