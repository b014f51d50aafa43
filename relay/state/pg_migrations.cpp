#include "relay/state/pg_migrations.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

#include "relay/state/pg_connection.hpp"

namespace mfrelay::relay {

// Times are milliseconds since the Unix epoch (UTC), as in the SQLite store, so
// both stores hold the same values.
const std::vector<pg_migration>& pg_migrations() {
  static const std::vector<pg_migration> list = {
      {1, "verification states and history",
       R"sql(
CREATE TABLE mail_from_state (
  identity         TEXT PRIMARY KEY,
  mail_from_domain TEXT NOT NULL,
  status           TEXT NOT NULL,
  since_ms         BIGINT NOT NULL,
  last_check_ms    BIGINT,
  last_outcome     TEXT NOT NULL DEFAULT '',
  reason           TEXT NOT NULL DEFAULT '',
  spf              TEXT NOT NULL DEFAULT 'unknown',
  spf_reason       TEXT NOT NULL DEFAULT ''
);
CREATE TABLE mail_from_history (
  id               BIGSERIAL PRIMARY KEY,
  identity         TEXT NOT NULL,
  mail_from_domain TEXT NOT NULL,
  from_status      TEXT,
  to_status        TEXT NOT NULL,
  at_ms            BIGINT NOT NULL,
  reason           TEXT NOT NULL DEFAULT '',
  evidence         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_from_history_identity ON mail_from_history (identity, id);
)sql"},
      {2, "suppression list and account settings",
       R"sql(
CREATE TABLE suppressed_destination (
  address        TEXT PRIMARY KEY,
  reason         TEXT NOT NULL,
  last_update_ms BIGINT NOT NULL,
  message_id     TEXT NOT NULL DEFAULT '',
  feedback_id    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE account_setting (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
      {3, "sent-message index",
       R"sql(
CREATE TABLE sent_message (
  message_id       TEXT PRIMARY KEY,
  identity         TEXT NOT NULL,
  mail_from_domain TEXT NOT NULL,
  source           TEXT NOT NULL,
  from_address     TEXT NOT NULL,
  recipients       TEXT NOT NULL,
  sent_ms          BIGINT NOT NULL,
  metadata         TEXT NOT NULL
);
CREATE INDEX sent_message_time ON sent_message (sent_ms);
)sql"},
      {4, "send counters per node",
       R"sql(
CREATE TABLE send_counter (
  node              TEXT NOT NULL,
  quarter_start_ms  BIGINT NOT NULL,
  sent              BIGINT NOT NULL DEFAULT 0,
  delivery_attempts BIGINT NOT NULL DEFAULT 0,
  bounces           BIGINT NOT NULL DEFAULT 0,
  complaints        BIGINT NOT NULL DEFAULT 0,
  rejects           BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (node, quarter_start_ms)
);
)sql"},
      {5, "cluster policy (policy.d files)",
       R"sql(
CREATE TABLE policy_file (
  name       TEXT PRIMARY KEY,
  text       TEXT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE TABLE policy_revision (
  one        BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
  revision   BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  origin     TEXT NOT NULL,
  from_files BOOLEAN NOT NULL
);
INSERT INTO policy_revision (revision, updated_ms, origin, from_files) VALUES (0, 0, '', true);
)sql"},
  };
  return list;
}

int migrate(pg_connection& db) {
  int applied = 0;
  db.transaction([&] {
    // Held to the end of this transaction: a second node starting now waits
    // here, then reads the versions this one committed.
    db.exec("SELECT pg_advisory_xact_lock($1)", {std::to_string(pg_migration_lock)});
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    auto r = db.exec("SELECT coalesce(max(version), 0) FROM schema_version");
    const int current = std::stoi(r.rows.at(0).at(0).value_or("0"));
    const auto& list = pg_migrations();
    if (current > list.back().version)
      throw std::runtime_error("PostgreSQL store: the schema is at version " + std::to_string(current) +
                               ", newer than this mfrelay knows (" + std::to_string(list.back().version) + ")");
    for (const auto& m : list) {
      if (m.version <= current) continue;
      db.exec(std::string(m.sql));
      db.exec("INSERT INTO schema_version (version, name) VALUES ($1, $2)",
              {std::to_string(m.version), std::string(m.name)});
      ++applied;
    }
  });
  if (applied > 0) spdlog::info("PostgreSQL store: applied {} schema migrations", applied);
  return applied;
}

}  // namespace mfrelay::relay
