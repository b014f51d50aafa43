// Issues many blocking flush calls (fdatasync, fsync) at once from a pool of
// threads, so they share journal commits and disk cache flushes instead of each
// paying for its own. run() from one thread at a time (the flush worker). No input.
#pragma once
#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <functional>

namespace mfrelay::relay {

class sync_fanout {
 public:
  explicit sync_fanout(std::size_t threads);
  ~sync_fanout();
  sync_fanout(const sync_fanout&) = delete;
  sync_fanout& operator=(const sync_fanout&) = delete;

  // Calls work(i) for every i in [0, count) on the pool's threads and the
  // calling one; returns when every call has returned. `work` must not throw.
  void run(std::size_t count, const std::function<void(std::size_t)>& work);

 private:
  std::size_t threads_;
  boost::asio::thread_pool pool_;
};

}  // namespace mfrelay::relay
