// The PostgreSQL store's writes, in order, off every caller's thread: the
// stores (pg_state_store, pg_suppression_store, pg_send_counters_store) hand
// each write here and return at once, so neither the SMTP path nor the store
// thread ever waits on the database. While PostgreSQL is away the writes wait
// in memory (at most max_queued; beyond that the oldest is dropped and
// logged) and the thread reconnects with a backoff; when it is back they are
// applied in the order they were made. up() says whether the last attempt
// reached the database (the mfrelay_store_up gauge, /readyz).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "relay/state/pg_connection.hpp"

namespace mfrelay::relay {

class pg_writer {
 public:
  // One write: statements run inside one transaction on the writer's connection.
  // Throws on failure (the write is then tried again after a reconnect).
  using write = std::function<void(pg_connection&)>;
  // After a write committed (the stores forget what they kept for reads meanwhile).
  using done = std::function<void()>;

  explicit pg_writer(std::string url, std::size_t max_queued = 100000);
  ~pg_writer();  // tries what is queued once more (at most 2 s), then stops
  pg_writer(const pg_writer&) = delete;
  pg_writer& operator=(const pg_writer&) = delete;

  // Queues `w`; returns at once. Never throws (out of memory: logged, dropped).
  void submit(write w, done on_done = {}) noexcept;
  // Waits until everything queued now is written, or `timeout` passes; true when written.
  bool drain(std::chrono::milliseconds timeout);

  bool up() const { return up_.load(std::memory_order_relaxed); }
  std::size_t queued() const;
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct item {
    write w;
    done on_done;
  };
  void run();
  void set_up(bool value);

  pg_connection db_;
  std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<item> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::atomic<bool> up_{true};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace mfrelay::relay
