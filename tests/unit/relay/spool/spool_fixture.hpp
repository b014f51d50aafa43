// Test helpers for relay/spool: an io_context driven from the test body with a
// worker thread for the flushes, message ids, envelopes, and raw file access
// (temporary folders, read_file and write_file come from support/temp_dir.hpp).
// Test code only; the test's thread.
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "policy/message_id.hpp"
#include "relay/spool/envelope.hpp"
#include "relay/spool/message_store.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A distinct valid message id per call; `ms` sets its time part.
inline std::string make_id(std::int64_t ms = 1'700'000'000'000) {
  static std::atomic<std::uint32_t> counter{0};
  std::array<std::uint8_t, 16> random{};
  std::uint32_t n = counter++;
  for (int i = 0; i < 4; ++i) random[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  random[15] = static_cast<std::uint8_t>(::getpid());
  return policy::make_message_id(policy::timestamp(policy::duration(ms)), random);
}

inline envelope make_envelope(const std::string& id, std::int64_t received_ms = 1'700'000'000'000) {
  envelope e;
  e.id = id;
  e.original_sender = "app@example.com";
  e.return_path = id + "@mail.example.com";
  e.recipients = {"a@example.net", "b@example.org"};
  e.received_at = policy::timestamp(policy::duration(received_ms));
  e.metadata = R"({"policy":{"identity":"example.com"},"session":{"id":"s1"}})";
  return e;
}

inline std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Deterministic bytes with every octet value, NULs and invalid UTF-8 included.
inline std::string binary_bytes(std::size_t n, std::uint32_t seed = 1) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen() & 0xff);
  return s;
}

// An io_context driven by the test body, and a one-thread worker for flushes.
struct io_env {
  boost::asio::io_context io;
  boost::asio::thread_pool worker{1};

  ~io_env() { worker.join(); }

  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds limit = 10s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      if (io.run_one_for(2ms) == 0 && io.stopped()) io.restart();
    }
    return true;
  }

  void run_for(std::chrono::milliseconds span) {
    run_until([] { return false; }, span);
  }
};

// The outcome of a commit started with start_commit().
struct commit_state {
  bool done = false;
  std::exception_ptr error;
};

inline std::shared_ptr<commit_state> start_commit(io_env& env, message_store& store, message_writer writer,
                                                  const envelope& e) {
  auto state = std::make_shared<commit_state>();
  boost::asio::co_spawn(env.io, store.commit(std::move(writer), e), [state](std::exception_ptr error) {
    state->error = error;
    state->done = true;
  });
  return state;
}

// Commits and waits; rethrows what commit threw.
inline void commit_now(io_env& env, message_store& store, message_writer writer, const envelope& e) {
  auto state = start_commit(env, store, std::move(writer), e);
  REQUIRE(env.run_until([&] { return state->done; }));
  if (state->error) std::rethrow_exception(state->error);
}

// Streams `data` in chunks of the given sizes (cycled) and commits.
inline void store_message(io_env& env, message_store& store, const envelope& e, std::string_view data,
                          std::vector<std::size_t> chunks = {4096}) {
  message_writer w = store.begin(e.id);
  std::size_t i = 0;
  while (!data.empty()) {
    std::size_t n = std::min(chunks[i++ % chunks.size()], data.size());
    w.append(data.substr(0, n));
    data.remove_prefix(n);
  }
  commit_now(env, store, std::move(w), e);
}

// A door the flush worker waits at until the test opens it.
class gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    waiting_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  bool someone_waiting() {
    std::lock_guard lock(mutex_);
    return waiting_;
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool waiting_ = false;
  bool open_ = false;
};

}  // namespace mfrelay::relay::test
