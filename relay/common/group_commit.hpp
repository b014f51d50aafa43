// Group commit: many coroutines submit items; one blocking commit (a fsync, a
// database transaction) on a worker executor takes every item queued so far,
// then each submitter resumes on its own executor. While one commit runs, the
// next batch gathers, so one fsync serves many concurrent sessions.
// submit() may be called from any thread; `commit` runs on the worker only.
#pragma once
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace mfrelay::relay {

template <class Item>
class group_commit {
 public:
  // Commits a batch; throws to fail every item of the batch.
  using commit_function = std::function<void(std::vector<Item>& batch)>;

  group_commit(boost::asio::any_io_executor worker, commit_function commit)
      : worker_(std::move(worker)), commit_(std::move(commit)) {}

  // Completes once a commit that includes `item` has returned; rethrows its
  // error (use_awaitable throws a leading exception_ptr).
  boost::asio::awaitable<void> submit(Item item) {
    co_await async_submit(std::move(item), boost::asio::use_awaitable);
  }

  template <class Token>
  auto async_submit(Item item, Token&& token) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr)>(
        [this](auto handler, Item queued) {
          auto executor = boost::asio::get_associated_executor(handler, worker_);
          std::lock_guard lock(mutex_);
          pending_.push_back({std::move(queued), waiter{std::move(handler), executor}});
          if (!running_) {
            running_ = true;
            boost::asio::post(worker_, [this] { run(); });
          }
        },
        token, std::move(item));
  }

  // Items waiting for the next commit (for metrics).
  std::size_t queued() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
  }

 private:
  struct waiter {
    boost::asio::any_completion_handler<void(std::exception_ptr)> handler;
    boost::asio::any_io_executor executor;
  };
  struct entry {
    Item item;
    waiter done;
  };

  // On the worker: commit batches until none is waiting.
  void run() {
    for (;;) {
      std::vector<entry> batch;
      {
        std::lock_guard lock(mutex_);
        if (pending_.empty()) {
          running_ = false;
          return;
        }
        batch.swap(pending_);
      }
      std::vector<Item> items;
      items.reserve(batch.size());
      for (auto& e : batch) items.push_back(std::move(e.item));
      std::exception_ptr error;
      try {
        commit_(items);
      } catch (...) {
        error = std::current_exception();
      }
      resume(batch, error);
    }
  }

  // One post per executor, not one per item: a verification pass's commit
  // resumes some hundred checks, all on the verifier's strand, and each post
  // was a hand-over (and often a wake-up) of that thread.
  static void resume(std::vector<entry>& batch, const std::exception_ptr& error) {
    std::vector<char> done(batch.size(), 0);
    for (std::size_t first = 0; first < batch.size(); ++first) {
      if (done[first]) continue;
      std::vector<boost::asio::any_completion_handler<void(std::exception_ptr)>> handlers;
      for (std::size_t i = first; i < batch.size(); ++i) {
        if (done[i] || batch[i].done.executor != batch[first].done.executor) continue;
        handlers.push_back(std::move(batch[i].done.handler));
        done[i] = 1;
      }
      boost::asio::post(batch[first].done.executor, [handlers = std::move(handlers), error]() mutable {
        for (auto& h : handlers) std::move(h)(error);
      });
    }
  }

  boost::asio::any_io_executor worker_;
  commit_function commit_;
  mutable std::mutex mutex_;
  std::vector<entry> pending_;
  bool running_ = false;
};

}  // namespace mfrelay::relay
