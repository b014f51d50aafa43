// The verifier's one schedule: which target is due next, for every target at
// once, so a pass over 10^5 MAIL FROM domains waits on one timer instead of
// one steady_timer (and its handler) per domain. Pure: time is a parameter,
// no clock, no I/O, no untrusted input; owned by one executor (the verifier's).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace mfrelay::dns {

// An indexed binary min-heap of (deadline, key): keys are small integers (the
// verifier's slot numbers), each scheduled at most once. Rescheduling moves a
// key, cancelling removes it, both in O(log n); nothing stale is left behind.
// Keys due at the same instant come out in the order they were scheduled.
class deadline_queue {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using key = std::uint32_t;

  // Sets `k`'s deadline to `due`, replacing the one it had, if any.
  void schedule(key k, time_point due);
  // Removes `k`; false when it was not scheduled.
  bool cancel(key k);
  bool contains(key k) const { return k < where_.size() && where_[k] != 0; }

  // The earliest deadline, if any key is scheduled.
  std::optional<time_point> next_due() const;
  // Removes and returns the key with the earliest deadline when that is at or
  // before `now`; nullopt when none is due yet.
  std::optional<key> pop_due(time_point now);

  std::size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }
  void clear();

 private:
  struct item {
    time_point due;
    std::uint64_t order;  // scheduling order: ties come out first scheduled, first out
    key k;
  };
  static bool before(const item& a, const item& b) { return a.due < b.due || (a.due == b.due && a.order < b.order); }
  void place(std::size_t at, item it);  // writes heap_[at] and records where it is
  void sift_up(std::size_t at);
  void sift_down(std::size_t at);
  void remove_at(std::size_t at);

  std::vector<item> heap_;
  std::vector<std::uint32_t> where_;  // by key: position in heap_ + 1; 0 = not scheduled
  std::uint64_t next_order_ = 0;
};

}  // namespace mfrelay::dns
