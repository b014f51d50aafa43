#include "relay/state/pg_policy_store.hpp"

#include <algorithm>

#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

std::string now_ms() { return std::to_string(now().time_since_epoch().count()); }

// Locks the revision row to the end of the transaction: writers queue here.
std::int64_t locked_revision(pg_connection& db) {
  auto r = db.exec("SELECT revision FROM policy_revision FOR UPDATE");
  return std::stoll(r.rows.at(0).at(0).value_or("0"));
}

std::int64_t bump(pg_connection& db, std::int64_t from, const std::string& origin, bool from_files) {
  db.exec("UPDATE policy_revision SET revision = $1, updated_ms = $2, origin = $3, from_files = $4",
          {std::to_string(from + 1), now_ms(), origin, from_files ? "true" : "false"});
  db.exec("SELECT pg_notify($1, $2)", {std::string(pg_policy_channel), std::to_string(from + 1)});
  return from + 1;
}

void put(pg_connection& db, const policy_text& f) {
  db.exec(
      "INSERT INTO policy_file (name, text, updated_ms) VALUES ($1, $2, $3) "
      "ON CONFLICT (name) DO UPDATE SET text = EXCLUDED.text, updated_ms = EXCLUDED.updated_ms",
      {f.name, f.text, now_ms()});
}

std::int64_t replace_all(pg_connection& db, std::int64_t from, const std::vector<policy_text>& files,
                         const std::string& origin) {
  db.exec("DELETE FROM policy_file");
  for (const auto& f : files) put(db, f);
  return bump(db, from, origin, true);
}

}  // namespace

bool same_policy_files(const std::vector<policy_text>& a, const std::vector<policy_text>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const policy_text& x, const policy_text& y) { return x.name == y.name && x.text == y.text; });
}

std::int64_t pg_policy_revision(pg_connection& db) {
  auto r = db.exec("SELECT revision FROM policy_revision");
  return std::stoll(r.rows.at(0).at(0).value_or("0"));
}

stored_policy pg_read_policy(pg_connection& db) {
  stored_policy out;
  // One snapshot: the revision and the files it names.
  db.transaction([&] {
    db.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    auto r = db.exec("SELECT revision, origin, from_files FROM policy_revision");
    out.revision = std::stoll(r.rows.at(0).at(0).value_or("0"));
    out.origin = r.rows.at(0).at(1).value_or("");
    out.from_files = r.rows.at(0).at(2).value_or("t") == "t";
    for (auto& row : db.exec("SELECT name, text FROM policy_file ORDER BY name COLLATE \"C\"").rows)
      out.files.push_back({row.at(0).value_or(""), row.at(1).value_or("")});
  });
  return out;
}

std::optional<std::int64_t> pg_push_policy(pg_connection& db, const std::vector<policy_text>& files,
                                           const std::string& origin, std::int64_t expected) {
  std::optional<std::int64_t> revision;
  db.transaction([&] {
    const std::int64_t current = locked_revision(db);
    if (current == expected) revision = replace_all(db, current, files, origin);
  });
  return revision;
}

stored_policy pg_seed_policy(pg_connection& db, const std::vector<policy_text>& files, const std::string& origin) {
  db.transaction([&] {
    const std::int64_t current = locked_revision(db);
    if (current == 0) replace_all(db, current, files, origin);
  });
  return pg_read_policy(db);
}

std::optional<std::int64_t> pg_write_policy_files(pg_connection& db, const std::vector<policy_text>& files,
                                                  std::int64_t expected, const std::string& origin) {
  std::optional<std::int64_t> revision;
  db.transaction([&] {
    const std::int64_t current = locked_revision(db);
    if (current != expected) return;
    for (const auto& f : files) {
      if (f.text.empty()) {
        db.exec("DELETE FROM policy_file WHERE name = $1", {f.name});
      } else {
        put(db, f);
      }
    }
    revision = bump(db, current, origin, false);
  });
  return revision;
}

}  // namespace mfrelay::relay
