#include "relay/state/pg_store.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "relay/state/pg_migrations.hpp"

namespace mfrelay::relay {
namespace {

// A database that cannot be reached at all throws here, with pg_connection's
// message (the URL without its password, and libpq's reason).
int open_and_migrate(pg_connection& db) {
  int applied = migrate(db);
  if (applied > 0) spdlog::info("PostgreSQL store: applied {} schema migrations", applied);
  return applied;
}

}  // namespace

pg_store::pg_store(const std::string& url)
    : reader_(url), migrations_applied_(open_and_migrate(reader_)), writer_(url) {}

pg_result pg_store::read(const std::string& sql, const std::vector<pg_value>& params) {
  std::lock_guard lock(read_mutex_);
  try {
    auto r = reader_.exec(sql, params);
    reader_up_.store(true, std::memory_order_relaxed);
    return r;
  } catch (...) {
    reader_up_.store(reader_.connected(), std::memory_order_relaxed);
    throw;
  }
}

bool pg_store::probe() {
  try {
    read("SELECT 1");
  } catch (const std::exception&) {
  }
  return up();
}

}  // namespace mfrelay::relay
