#include "relay/state/sqlite_state_store.hpp"

#include "relay/state/sqlite_statement.hpp"

#include <sqlite3.h>

#include <functional>
#include <stdexcept>

namespace mfrelay::relay {
namespace {

// Version 2 of the schema. Times are milliseconds since the Unix epoch (UTC).
// Version 1 had the mail_from tables only: opening it for writing adds the
// dkim tables (the same shape; `tokens` is the setting checked) and nothing
// else changes, so the migration is these CREATE ... IF NOT EXISTS.
constexpr const char* schema = R"sql(
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS mail_from_state (
  identity         TEXT PRIMARY KEY,
  mail_from_domain TEXT NOT NULL,
  status           TEXT NOT NULL,
  since_ms         INTEGER NOT NULL,
  last_check_ms    INTEGER,
  last_outcome     TEXT NOT NULL DEFAULT '',
  reason           TEXT NOT NULL DEFAULT '',
  spf              TEXT NOT NULL DEFAULT 'unknown',
  spf_reason       TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS mail_from_history (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  identity         TEXT NOT NULL,
  mail_from_domain TEXT NOT NULL,
  from_status      TEXT,
  to_status        TEXT NOT NULL,
  at_ms            INTEGER NOT NULL,
  reason           TEXT NOT NULL DEFAULT '',
  evidence         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS mail_from_history_identity ON mail_from_history (identity, id);
CREATE TABLE IF NOT EXISTS dkim_state (
  identity         TEXT PRIMARY KEY,
  tokens           TEXT NOT NULL,
  status           TEXT NOT NULL,
  since_ms         INTEGER NOT NULL,
  last_check_ms    INTEGER,
  last_outcome     TEXT NOT NULL DEFAULT '',
  reason           TEXT NOT NULL DEFAULT '',
  spf              TEXT NOT NULL DEFAULT 'unknown',
  spf_reason       TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS dkim_history (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  identity         TEXT NOT NULL,
  tokens           TEXT NOT NULL,
  from_status      TEXT,
  to_status        TEXT NOT NULL,
  at_ms            INTEGER NOT NULL,
  reason           TEXT NOT NULL DEFAULT '',
  evidence         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS dkim_history_identity ON dkim_history (identity, id);
PRAGMA user_version = 2;
COMMIT;
)sql";

// Every statement of this store borrows its bound text: the write path binds
// strings that outlive the step, and copying them showed in profiles.
struct statement : sqlite_statement {
  statement(sqlite3* db, const char* sql) : sqlite_statement(db, sql, text_binding::borrowed) {}
};

std::int64_t ms(policy::timestamp t) { return t.time_since_epoch().count(); }
policy::timestamp from_ms(std::int64_t value) { return policy::timestamp{policy::duration{value}}; }

policy::mail_from_status status_from(const std::string& text) {
  return policy::parse_mail_from_status(text).value_or(policy::mail_from_status::pending);
}

// The table names and setting column of a kind: the SQL below is the same for both.
struct tables {
  std::string state, history, setting;
};
tables tables_of(verification_kind kind) {
  if (kind == verification_kind::dkim) return {"dkim_state", "dkim_history", "tokens"};
  return {"mail_from_state", "mail_from_history", "mail_from_domain"};
}

policy::spf_status spf_from(const std::string& text) {
  for (auto s : {policy::spf_status::ok, policy::spf_status::missing, policy::spf_status::wrong}) {
    if (text == to_string(s)) return s;
  }
  return policy::spf_status::unknown;
}

}  // namespace

// The statements of the write path, prepared once for the life of the store
// (preparing them per transaction cost as much as running them).
struct sqlite_state_store::prepared {
  prepared(sqlite3* db, const tables& t)
      : upsert(db, ("INSERT INTO " + t.state + " (identity, " + t.setting +
                    ", status, since_ms, last_check_ms, last_outcome, reason, spf, spf_reason) VALUES (?1, ?2, ?3, "
                    "?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (identity) DO UPDATE SET " + t.setting +
                    " = ?2, status = ?3, since_ms = ?4, last_check_ms = ?5, last_outcome = ?6, reason = ?7, spf = "
                    "?8, spf_reason = ?9")
                       .c_str()),
        insert_history(db, ("INSERT INTO " + t.history + " (identity, " + t.setting +
                            ", from_status, to_status, at_ms, reason, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                               .c_str()),
        remove(db, ("DELETE FROM " + t.state + " WHERE identity = ?1").c_str()),
        begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT") {}
  statement upsert;
  statement insert_history;
  statement remove;
  statement begin;
  statement commit;
};

sqlite_state_store::prepared& sqlite_state_store::statements() {
  if (!statements_) statements_ = std::make_unique<prepared>(db_, tables_of(kind_));
  return *statements_;
}

sqlite_state_store::sqlite_state_store(const std::string& path, bool read_only, verification_kind kind)
    : path_(path), kind_(kind) {
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  try {
    if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
      fail("cannot open");
    sqlite3_busy_timeout(db_, 5000);
    if (!read_only) {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      exec(schema);  // one transaction: a reader sees all of it or none
    }
  } catch (...) {
    // No destructor runs for a constructor that throws, and even a failed
    // sqlite3_open_v2 hands back a handle (with its file) that must be closed.
    sqlite3_close_v2(db_);
    throw;
  }
}

bool sqlite_state_store::has_schema() {
  // A reader may open the file in the instant after the daemon created it and
  // before the schema committed: that is an empty store, not an error.
  statement s(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
  const std::string table = tables_of(kind_).state;
  s.bind(1, table);
  return s.step() && s.integer(0) == 1;
}

sqlite_state_store::~sqlite_state_store() {
  statements_.reset();  // finalized before the connection closes
  sqlite3_close_v2(db_);
}

void sqlite_state_store::fail(const std::string& what) {
  throw std::runtime_error("state store " + path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

void sqlite_state_store::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error("state store " + path_ + ": " + text);
  }
}

namespace {

// The columns of the state table in the order row_of reads them.
std::string select_state(const tables& t) {
  return "SELECT identity, " + t.setting + ", status, since_ms, last_check_ms, last_outcome, reason, spf, spf_reason "
         "FROM " + t.state;
}

stored_state row_of(statement& s) {
  stored_state row;
  row.identity = s.text(0);
  row.mail_from_domain = s.text(1);
  row.state = {status_from(s.text(2)), from_ms(s.integer(3))};
  if (!s.is_null(4)) row.last_check = from_ms(s.integer(4));
  row.last_outcome = s.text(5);
  row.reason = s.text(6);
  row.spf = spf_from(s.text(7));
  row.spf_reason = s.text(8);
  return row;
}

}  // namespace

std::vector<stored_state> sqlite_state_store::load_all() {
  if (!has_schema()) return {};
  statement s(db_, (select_state(tables_of(kind_)) + " ORDER BY identity").c_str());
  std::vector<stored_state> out;
  while (s.step()) out.push_back(row_of(s));
  return out;
}

std::optional<stored_state> sqlite_state_store::load(const std::string& identity) {
  if (!has_schema()) return std::nullopt;
  statement s(db_, (select_state(tables_of(kind_)) + " WHERE identity = ?1").c_str());
  s.bind(1, identity);
  if (!s.step()) return std::nullopt;
  return row_of(s);
}

void sqlite_state_store::transaction(const std::function<void()>& body) {
  prepared& p = statements();
  p.begin.run();
  try {
    body();
    p.commit.run();
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void sqlite_state_store::write(const std::vector<state_write>& writes) {
  if (writes.empty()) return;
  prepared& p = statements();
  statement& upsert = p.upsert;
  statement& insert_history = p.insert_history;
  transaction([&] {
    for (const auto& w : writes) {
      const auto& c = w.current;
      upsert.bind(1, c.identity).bind(2, c.mail_from_domain).bind(3, to_string(c.state.status)).bind(4, ms(c.state.since));
      if (c.last_check) upsert.bind(5, ms(*c.last_check));
      else upsert.bind_null(5);
      upsert.bind(6, c.last_outcome).bind(7, c.reason).bind(8, to_string(c.spf)).bind(9, c.spf_reason);
      upsert.run();
      if (const auto& t = w.transition) {
        insert_history.bind(1, t->identity).bind(2, t->mail_from_domain);
        if (t->from) insert_history.bind(3, to_string(*t->from));
        else insert_history.bind_null(3);
        insert_history.bind(4, to_string(t->to)).bind(5, ms(t->at)).bind(6, t->reason).bind(7, t->evidence);
        insert_history.run();
      }
    }
  });
}

void sqlite_state_store::remove(const std::vector<std::string>& identities) {
  if (identities.empty()) return;
  statement& del = statements().remove;
  transaction([&] {
    for (const auto& id : identities) {
      del.bind(1, id);
      del.run();
    }
  });
}

std::vector<state_transition> sqlite_state_store::history(const std::string& identity, std::size_t limit) {
  if (!has_schema()) return {};
  const tables names = tables_of(kind_);
  statement s(db_, ("SELECT identity, " + names.setting + ", from_status, to_status, at_ms, reason, evidence FROM " +
                    names.history + " WHERE ?1 = '' OR identity = ?1 ORDER BY id DESC LIMIT ?2")
                       .c_str());
  s.bind(1, identity).bind(2, static_cast<std::int64_t>(limit));
  std::vector<state_transition> out;
  while (s.step()) {
    state_transition t;
    t.identity = s.text(0);
    t.mail_from_domain = s.text(1);
    if (!s.is_null(2)) t.from = status_from(s.text(2));
    t.to = status_from(s.text(3));
    t.at = from_ms(s.integer(4));
    t.reason = s.text(5);
    t.evidence = s.text(6);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace mfrelay::relay
