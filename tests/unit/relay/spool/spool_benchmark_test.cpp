// Commit throughput with 1, 16 and 200 concurrent writers of 4 KB messages.
// Skipped by default (it measures a disk, it does not check behaviour); run:
//   MFRELAY_SPOOL_BENCH_DIR=/work/... unit_spool -ts='*benchmark*' --no-skip
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

#include "relay/spool/spool.hpp"
#include "spool_fixture.hpp"

namespace mfrelay::relay::test {

namespace {

boost::asio::awaitable<void> writer_loop(spool& s, std::atomic<int>& left, std::atomic<int>& done,
                                         std::string_view body) {
  while (left.fetch_sub(1) > 0) {
    envelope e = make_envelope(make_id());
    message_writer w = s.begin(e.id);
    w.append(body);
    co_await s.commit(std::move(w), e);
    ++done;
  }
}

}  // namespace

TEST_SUITE("benchmark" * doctest::skip()) {
  TEST_CASE("commit throughput, 4 KB messages") {
    const char* base = std::getenv("MFRELAY_SPOOL_BENCH_DIR");
    temp_dir dir(base ? fs::path(base) : fs::temp_directory_path());
    std::string body = binary_bytes(4096);
    struct run {
      int writers;
      int messages;
    };
    for (run r : {run{1, 400}, run{16, 4000}, run{200, 8000}}) {
      io_env env;
      spool s(dir.path() / ("w" + std::to_string(r.writers)), env.worker.get_executor());
      std::atomic<int> left{r.messages}, done{0}, finished{0};
      auto start = std::chrono::steady_clock::now();
      for (int w = 0; w < r.writers; ++w) {
        boost::asio::co_spawn(env.io, writer_loop(s, left, done, body), [&](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
          ++finished;
        });
      }
      REQUIRE(env.run_until([&] { return finished == r.writers; }, 120s));
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      auto flushes = s.stats(policy::timestamp{}).flushes;
      std::printf("%3d writers: %5d commits in %6.3f s = %8.0f commits/s, %5llu flushes (%.1f per flush)\n",
                  r.writers, done.load(), seconds, done / seconds, static_cast<unsigned long long>(flushes),
                  static_cast<double>(done) / static_cast<double>(flushes));
      CHECK(done == r.messages);
    }
  }
}

}  // namespace mfrelay::relay::test
