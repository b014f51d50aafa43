// A mutex for coroutines: lock() suspends instead of blocking the thread, so
// a critical section may itself co_await (a reload, a policy.d write). Safe
// from any thread and strand (a concurrent_channel of capacity one: holding
// the slot is holding the lock). Waiters are served in order.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace mfrelay::relay {

class async_mutex {
 public:
  explicit async_mutex(boost::asio::any_io_executor ex) : slot_(std::move(ex), 1) {}

  class guard {
   public:
    explicit guard(async_mutex& m) : m_(&m) {}
    guard(guard&& other) noexcept : m_(std::exchange(other.m_, nullptr)) {}
    guard& operator=(guard&&) = delete;
    ~guard() {
      if (m_) m_->slot_.try_receive([](boost::system::error_code) {});
    }

   private:
    async_mutex* m_;
  };

  // co_await lock(): held until the returned guard is destroyed.
  boost::asio::awaitable<guard> lock() {
    co_await slot_.async_send(boost::system::error_code{}, boost::asio::use_awaitable);
    co_return guard(*this);
  }

 private:
  boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> slot_;
};

}  // namespace mfrelay::relay
