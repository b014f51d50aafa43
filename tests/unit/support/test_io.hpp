// Drives a real io_context from a test body: run until a condition holds, for a
// while, or until one awaitable completes. Test code only; the test's own thread.
// Shared by the unit test binaries (see tests/CMakeLists.txt).
#pragma once
#include <doctest/doctest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <thread>

#include "test_namespace.hpp"

// How long run_until and run_awaitable wait when the caller names no limit, in
// milliseconds; a test binary may set its own with a compile definition.
#ifndef MFRELAY_TEST_RUN_LIMIT_MS
#define MFRELAY_TEST_RUN_LIMIT_MS 10000
#endif

namespace mfrelay::test {

using namespace std::chrono_literals;

inline constexpr std::chrono::milliseconds default_run_limit{MFRELAY_TEST_RUN_LIMIT_MS};

// Runs handlers one at a time until `done()` or `limit` passes; true when done.
template <class Pred>
bool run_until(boost::asio::io_context& io, Pred done, std::chrono::milliseconds limit = default_run_limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.run_one_for(5ms) == 0 && io.stopped()) {
      io.restart();  // out of work for now: wait for the test to add some
      std::this_thread::sleep_for(1ms);
    }
  }
  return true;
}

inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds span) {
  run_until(io, [] { return false; }, span);
}

template <class T>
T run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> work,
                std::chrono::milliseconds limit = default_run_limit) {
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T value) {
    error = e;
    result = std::move(value);
    done = true;
  });
  REQUIRE(run_until(io, [&] { return done; }, limit));
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

inline void run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<void> work,
                          std::chrono::milliseconds limit = default_run_limit) {
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e) {
    error = e;
    done = true;
  });
  REQUIRE(run_until(io, [&] { return done; }, limit));
  if (error) std::rethrow_exception(error);
}

}  // namespace mfrelay::test
