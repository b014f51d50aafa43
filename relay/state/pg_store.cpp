#include "relay/state/pg_store.hpp"

#include <stdexcept>

#include "relay/state/pg_migrations.hpp"

namespace mfrelay::relay {
pg_store::pg_store(const std::string& url)
    : reader_(url), migrations_applied_(migrate(reader_)), writer_(url) {}

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
