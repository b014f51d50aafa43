#include "dns/deadline_queue.hpp"

#include <utility>

namespace mfrelay::dns {

void deadline_queue::place(std::size_t at, item it) {
  where_[it.k] = static_cast<std::uint32_t>(at + 1);
  heap_[at] = it;
}

void deadline_queue::sift_up(std::size_t at) {
  item it = heap_[at];
  while (at > 0) {
    const std::size_t parent = (at - 1) / 2;
    if (!before(it, heap_[parent])) break;
    place(at, heap_[parent]);
    at = parent;
  }
  place(at, it);
}

void deadline_queue::sift_down(std::size_t at) {
  item it = heap_[at];
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t child = 2 * at + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], it)) break;
    place(at, heap_[child]);
    at = child;
  }
  place(at, it);
}

void deadline_queue::remove_at(std::size_t at) {
  where_[heap_[at].k] = 0;
  item last = heap_.back();
  heap_.pop_back();
  if (at == heap_.size()) return;
  heap_[at] = last;
  // The moved item may belong above or below its new place.
  if (at > 0 && before(last, heap_[(at - 1) / 2]))
    sift_up(at);
  else
    sift_down(at);
}

void deadline_queue::schedule(key k, time_point due) {
  if (k >= where_.size()) where_.resize(static_cast<std::size_t>(k) + 1, 0);
  const item it{due, next_order_++, k};
  if (where_[k] != 0) {
    const std::size_t at = where_[k] - 1;
    const bool earlier = before(it, heap_[at]);
    heap_[at] = it;
    if (earlier)
      sift_up(at);
    else
      sift_down(at);
    return;
  }
  heap_.push_back(it);
  sift_up(heap_.size() - 1);
}

bool deadline_queue::cancel(key k) {
  if (!contains(k)) return false;
  remove_at(where_[k] - 1);
  return true;
}

std::optional<deadline_queue::time_point> deadline_queue::next_due() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().due;
}

std::optional<deadline_queue::key> deadline_queue::pop_due(time_point now) {
  if (heap_.empty() || heap_.front().due > now) return std::nullopt;
  const key k = heap_.front().k;
  remove_at(0);
  return k;
}

void deadline_queue::clear() {
  heap_.clear();
  where_.clear();
}

}  // namespace mfrelay::dns
