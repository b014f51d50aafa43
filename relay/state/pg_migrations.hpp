// The PostgreSQL store's schema and how it gets there: an ordered list of
// migrations, each applied once, recorded in schema_version. Run by the daemon
// at start (pg_store); several nodes may start at once, so migrate() holds a
// transaction-level advisory lock: one node migrates, the others wait and then
// find nothing left to do. No untrusted input.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace mfrelay::relay {

class pg_connection;

struct pg_migration {
  int version;            // 1, 2, 3...: applied in this order, never renumbered
  std::string_view name;  // what it does, recorded beside the version
  std::string_view sql;   // may hold several statements
};

// Every migration, oldest first. Append only: a shipped migration never changes.
const std::vector<pg_migration>& pg_migrations();

// The advisory lock's key (pg_advisory_xact_lock): "mfrelay" in ASCII.
constexpr std::int64_t pg_migration_lock = 0x6d6672656c6179;

// Applies the migrations the database lacks, in one transaction under the
// advisory lock; returns how many it applied (0 when up to date). Throws
// std::runtime_error when the database is unreachable, a migration fails (all
// rolled back), or the database is newer than this binary knows. Logs what it applied.
int migrate(pg_connection& db);

}  // namespace mfrelay::relay
