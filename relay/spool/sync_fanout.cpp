#include "relay/spool/sync_fanout.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <memory>

namespace mfrelay::relay {
namespace {

// Shared with the helpers, which may start late (or never, if the pool is
// stopped): the caller claims whatever they have not, and waits only for calls
// already begun. A helper that starts after run() returned finds nothing left
// and never touches `work`.
struct fanout_job {
  std::size_t count = 0;
  std::function<void(std::size_t)> work;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> finished{0};

  void drain() {
    for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
      work(i);
      if (finished.fetch_add(1) + 1 == count) finished.notify_all();
    }
  }
};

}  // namespace

sync_fanout::sync_fanout(std::size_t threads) : threads_(threads), pool_(threads) {}

sync_fanout::~sync_fanout() { pool_.join(); }

void sync_fanout::run(std::size_t count, const std::function<void(std::size_t)>& work) {
  auto job = std::make_shared<fanout_job>();
  job->count = count;
  job->work = work;
  // The caller drains too, so a single item never waits for a thread hand-off.
  std::size_t helpers = count > 1 ? std::min(threads_, count - 1) : 0;
  for (std::size_t h = 0; h < helpers; ++h) boost::asio::post(pool_, [job] { job->drain(); });
  job->drain();
  for (std::size_t f = job->finished.load(); f < count; f = job->finished.load()) job->finished.wait(f);
}

}  // namespace mfrelay::relay
