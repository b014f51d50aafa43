// Drives a real io_context from a test body: run until a condition holds or an
// awaitable completes, with a time limit. Test code only; the test's own thread.
#pragma once
#include <doctest/doctest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <thread>

namespace mfrelay::relay::test {

using namespace std::chrono_literals;

// Runs handlers until `done()` or `limit` passes; true when done.
template <class Pred>
bool run_until(boost::asio::io_context& io, Pred done, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.run_one_for(5ms) == 0 && io.stopped()) {
      io.restart();
      std::this_thread::sleep_for(1ms);
    }
  }
  return true;
}

inline void run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<void> work,
                          std::chrono::milliseconds limit = 10s) {
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e) {
    error = e;
    done = true;
  });
  REQUIRE(run_until(io, [&] { return done; }, limit));
  if (error) std::rethrow_exception(error);
}

}  // namespace mfrelay::relay::test
