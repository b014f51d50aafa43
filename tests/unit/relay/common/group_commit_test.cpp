// group_commit: items submitted while a commit runs share the next one, and
// every submitter resumes on its own executor (one hand-over per executor),
// with the commit's error when it threw.
#include "relay/common/group_commit.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

namespace mfrelay::relay {
namespace {

namespace asio = boost::asio;

// Waits (bounded) until `ready()`.
template <class F>
bool wait_until(F ready) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

struct submitter_result {
  std::thread::id resumed_on;
  bool threw = false;
};

asio::awaitable<void> submit_one(group_commit<int>& commits, int item, submitter_result& out) {
  try {
    co_await commits.submit(item);
  } catch (const std::runtime_error&) {
    out.threw = true;
  }
  out.resumed_on = std::this_thread::get_id();
}

// Two io_contexts, each on its own thread, submit `per_context` items each
// while the first commit is held: every item of both lands in the second.
TEST_CASE("group_commit: a batch resumes each submitter on its own executor") {
  asio::thread_pool worker(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::vector<std::size_t> batch_sizes;
  std::atomic<int> commits_started{0};
  group_commit<int> commits(worker.get_executor(), [&](std::vector<int>& batch) {
    if (commits_started++ == 0) released.wait();  // hold the first commit: the rest queue behind it
    batch_sizes.push_back(batch.size());
  });

  constexpr int per_context = 20;
  asio::io_context a, b;
  std::vector<submitter_result> results_a(per_context), results_b(per_context);
  submitter_result first;
  asio::co_spawn(a, submit_one(commits, -1, first), asio::detached);
  std::thread thread_a([&] { a.run_one(); });  // starts the first submit only
  REQUIRE(wait_until([&] { return commits_started > 0; }));
  for (int i = 0; i < per_context; ++i) {
    asio::co_spawn(a, submit_one(commits, i, results_a[i]), asio::detached);
    asio::co_spawn(b, submit_one(commits, 100 + i, results_b[i]), asio::detached);
  }
  thread_a.join();
  // Each context runs its submits (they queue behind the held commit), then waits for its completions.
  std::thread::id id_a, id_b;
  std::thread run_a([&] {
    id_a = std::this_thread::get_id();
    a.run();
  });
  std::thread run_b([&] {
    id_b = std::this_thread::get_id();
    b.run();
  });
  const bool queued = wait_until([&] { return commits.queued() == 2 * per_context; });
  release.set_value();  // before any REQUIRE: the threads must end either way
  run_a.join();
  run_b.join();
  worker.join();

  REQUIRE(queued);
  REQUIRE(batch_sizes.size() == 2);
  CHECK(batch_sizes[0] == 1);
  CHECK(batch_sizes[1] == 2 * per_context);
  for (const auto& r : results_a) CHECK(r.resumed_on == id_a);
  for (const auto& r : results_b) CHECK(r.resumed_on == id_b);
  CHECK(first.resumed_on == id_a);
}

TEST_CASE("group_commit: a commit that throws fails every submitter of its batch") {
  asio::thread_pool worker(1);
  group_commit<int> commits(worker.get_executor(), [](std::vector<int>&) { throw std::runtime_error("disk full"); });
  asio::io_context io;
  std::vector<submitter_result> results(5);
  for (int i = 0; i < 5; ++i) asio::co_spawn(io, submit_one(commits, i, results[i]), asio::detached);
  io.run();
  worker.join();
  for (const auto& r : results) CHECK(r.threw);
}

}  // namespace
}  // namespace mfrelay::relay
