#include "relay/state/pg_writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace mfrelay::relay {

pg_writer::pg_writer(std::string url, std::size_t max_queued)
    : db_(std::move(url)), max_queued_(std::max<std::size_t>(max_queued, 1)) {
  thread_ = std::thread([this] { run(); });
}

pg_writer::~pg_writer() {
  drain(std::chrono::seconds(2));
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard lock(mutex_);
  if (!queue_.empty())
    spdlog::error("PostgreSQL store: {} writes not applied at stop (the database was unreachable)", queue_.size());
}

void pg_writer::submit(write w, done on_done) noexcept {
  try {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queued_) {
      queue_.pop_front();
      if (dropped_.fetch_add(1, std::memory_order_relaxed) % 1000 == 0)
        spdlog::error("PostgreSQL store: {} writes queued while unreachable; dropping the oldest", max_queued_);
    }
    queue_.push_back({std::move(w), std::move(on_done)});
  } catch (...) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  wake_.notify_one();
}

std::size_t pg_writer::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + (busy_ ? 1 : 0);
}

bool pg_writer::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

void pg_writer::set_up(bool value) {
  if (up_.exchange(value) == value) return;
  if (value) spdlog::info("PostgreSQL store: reachable again");
  else spdlog::error("PostgreSQL store: unreachable; writes are kept in memory and the relay goes on");
}

void pg_writer::run() {
  auto pause = std::chrono::milliseconds(100);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stopping_) return;
      continue;
    }
    item next = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    bool ok = false;
    try {
      db_.transaction([&] { next.w(db_); });
      ok = true;
    } catch (const std::exception& e) {
      if (db_.connected()) {
        // The database answered and refused this write: trying again would
        // refuse it again and hold up every write behind it.
        spdlog::error("{}; the write is dropped", e.what());
        ok = true;
      } else {
        spdlog::debug("{}", e.what());
      }
    }
    set_up(ok || db_.connected());
    if (ok && next.on_done) next.on_done();
    lock.lock();
    busy_ = false;
    if (!ok) {
      queue_.push_front(std::move(next));
      if (stopping_) return;
      // Backoff before the next attempt (pg_connection also refuses to reconnect sooner).
      wake_.wait_for(lock, pause, [this] { return stopping_; });
      if (stopping_) return;
      pause = std::min(pause * 2, std::chrono::milliseconds(2000));
      continue;
    }
    pause = std::chrono::milliseconds(100);
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace mfrelay::relay
