#include "relay/state/sqlite_suppression_store.hpp"

#include "relay/state/sqlite_database.hpp"
#include "relay/state/sqlite_statement.hpp"

#include <sqlite3.h>

namespace mfrelay::relay {
namespace {

// Times are milliseconds since the Unix epoch (UTC), as in mail_from_state.
constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS suppressed_destination (
  address        TEXT PRIMARY KEY,
  reason         TEXT NOT NULL,
  last_update_ms INTEGER NOT NULL,
  message_id     TEXT NOT NULL DEFAULT '',
  feedback_id    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS account_setting (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

using statement = sqlite_statement;

}  // namespace

sqlite_suppression_store::sqlite_suppression_store(const std::string& path)
    : path_(path), db_(open_store_database(path, "suppression store", schema)) {}

sqlite_suppression_store::~sqlite_suppression_store() { sqlite3_close_v2(db_); }

std::vector<suppressed_destination> sqlite_suppression_store::load_all() {
  std::vector<suppressed_destination> out;
  statement s(db_, "SELECT address, reason, last_update_ms, message_id, feedback_id FROM suppressed_destination");
  while (s.step()) {
    suppressed_destination d;
    d.address = s.text(0);
    d.reason = parse_suppression_reason(s.text(1)).value_or(suppression_reason::bounce);
    d.last_update = policy::timestamp{policy::duration{s.integer(2)}};
    d.message_id = s.text(3);
    d.feedback_id = s.text(4);
    out.push_back(std::move(d));
  }
  return out;
}

void sqlite_suppression_store::put(const suppressed_destination& entry) {
  statement s(db_,
              "INSERT OR REPLACE INTO suppressed_destination (address, reason, last_update_ms, message_id, feedback_id) "
              "VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(1, entry.address)
      .bind(2, to_string(entry.reason))
      .bind(3, static_cast<std::int64_t>(entry.last_update.time_since_epoch().count()))
      .bind(4, entry.message_id)
      .bind(5, entry.feedback_id);
  s.step();
}

bool sqlite_suppression_store::remove(std::string_view address) {
  statement s(db_, "DELETE FROM suppressed_destination WHERE address = ?1");
  s.bind(1, address);
  s.step();
  return sqlite3_changes(db_) > 0;
}

std::optional<std::vector<suppression_reason>> sqlite_suppression_store::load_reasons() {
  statement s(db_, "SELECT value FROM account_setting WHERE name = 'suppressed_reasons'");
  if (!s.step()) return std::nullopt;
  return parse_suppression_reasons(s.text(0));
}

void sqlite_suppression_store::save_reasons(const std::vector<suppression_reason>& reasons) {
  statement s(db_, "INSERT OR REPLACE INTO account_setting (name, value) VALUES ('suppressed_reasons', ?1)");
  s.bind(1, suppression_reasons_text(reasons));
  s.step();
}

}  // namespace mfrelay::relay
