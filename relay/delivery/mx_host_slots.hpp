// [delivery] connections_per_host: connections to one MX host address, shared by
// every recipient domain whose MX hosts resolve to it (a provider hosting many
// domains sees one sender, not one per domain). destination_client takes a slot
// before it connects and gives it back when the connection closes; the delivery
// queue asks idle connections to leave when someone waits. Addresses come from
// DNS answers (untrusted; used only as map keys and metric labels).
// take()/give_back()/on_contention: on the delivery queue's strand only;
// snapshot(): any thread (the metrics scrape).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace mfrelay::relay {

struct mx_host_gauge {
  std::string address;
  std::size_t connections = 0;
};

class mx_host_slots {
 public:
  explicit mx_host_slots(std::size_t limit);

  // Someone waits for a slot at `address`: connections there that sit idle
  // should close (the queue sets this; may be empty).
  std::function<void(const std::string& address)> on_contention;

  // A slot at `address`, at once when one is free and nobody waits before us;
  // else after those before us, as slots come back (first come, first served, so
  // that a busy domain cannot starve another on the same host). False when
  // `cancelled` became true while waiting (destination_client::abort()): no slot.
  // `timer` is the caller's, on the strand; cancelling it re-checks `cancelled`.
  boost::asio::awaitable<bool> take(const std::string& address, boost::asio::steady_timer& timer,
                                    const bool& cancelled);
  // A slot taken with take() (the connection closed or never came about). A
  // waiter gets it directly.
  void give_back(const std::string& address);

  std::size_t in_use(const std::string& address) const;
  std::size_t limit() const noexcept { return limit_; }
  std::vector<mx_host_gauge> snapshot() const;  // addresses with connections, by address

 private:
  struct waiter {
    boost::asio::steady_timer* timer = nullptr;
    bool granted = false;
  };
  struct host {
    std::size_t used = 0;
    std::deque<waiter*> waiting;
  };
  void set_used(const std::string& address, std::size_t used);

  std::size_t limit_;
  std::map<std::string, host> hosts_;  // strand only
  mutable std::mutex mutex_;           // guards used_ (the copy for snapshot())
  std::map<std::string, std::size_t> used_;
};

}  // namespace mfrelay::relay
