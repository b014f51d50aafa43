// The PostgreSQL store's shared parts ([store] kind = "postgresql"): the
// writer (pg_writer) every pg_* store hands its writes to, one connection for
// reads, and the schema migrations run when it opens. Built by the daemon
// (store_set) before anything else of the store; the pg_* stores keep a
// reference. Reads block (bounded by the connect timeout); call them off the
// I/O threads. The URL is the operator's; errors never show its password.
#pragma once
#include <atomic>
#include <mutex>
#include <string>

#include "relay/state/pg_connection.hpp"
#include "relay/state/pg_writer.hpp"

namespace mfrelay::relay {

class pg_store {
 public:
  // Connects and migrates (pg_migrations.hpp); throws std::runtime_error when
  // the database cannot be reached or migrated: a node does not start on a
  // database it has never seen.
  explicit pg_store(const std::string& url);

  pg_writer& writer() { return writer_; }
  // One statement on the read connection; throws std::runtime_error (and
  // up() turns false) when the database cannot answer.
  pg_result read(const std::string& sql, const std::vector<pg_value>& params = {});
  // SELECT 1: updates up(). The daemon calls it every second.
  bool probe();
  // Whether the database answered the last read and the last write.
  bool up() const { return reader_up_.load(std::memory_order_relaxed) && writer_.up(); }
  int migrations_applied() const { return migrations_applied_; }

 private:
  std::mutex read_mutex_;
  pg_connection reader_;
  std::atomic<bool> reader_up_{true};
  int migrations_applied_ = 0;
  pg_writer writer_;
};

}  // namespace mfrelay::relay
