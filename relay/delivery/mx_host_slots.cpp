#include "relay/delivery/mx_host_slots.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace mfrelay::relay {

namespace asio = boost::asio;

mx_host_slots::mx_host_slots(std::size_t limit) : limit_(std::max<std::size_t>(1, limit)) {}

asio::awaitable<bool> mx_host_slots::take(const std::string& address, asio::steady_timer& timer,
                                          const bool& cancelled) {
  {
    host& h = hosts_[address];
    if (h.waiting.empty() && h.used < limit_) {
      set_used(address, ++h.used);
      co_return true;
    }
  }
  waiter me{&timer, false};
  hosts_[address].waiting.push_back(&me);
  if (on_contention) on_contention(address);
  while (!me.granted && !cancelled) {
    // give_back() and abort() cancel the timer; the period is only a safety net.
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    host& h = hosts_[address];
    if (!me.granted && !cancelled && h.used < limit_ && h.waiting.front() == &me) {
      h.waiting.pop_front();
      set_used(address, ++h.used);
      co_return true;
    }
  }
  host& h = hosts_[address];
  std::erase(h.waiting, &me);
  if (me.granted && cancelled) {
    give_back(address);
    co_return false;
  }
  if (!me.granted && h.used == 0 && h.waiting.empty()) hosts_.erase(address);
  co_return me.granted;
}

void mx_host_slots::give_back(const std::string& address) {
  auto it = hosts_.find(address);
  if (it == hosts_.end()) return;
  host& h = it->second;
  if (!h.waiting.empty()) {  // the slot passes on; the count stays
    waiter* next = h.waiting.front();
    h.waiting.pop_front();
    next->granted = true;
    next->timer->cancel();
    return;
  }
  if (h.used > 0) --h.used;
  set_used(address, h.used);
  if (h.used == 0) hosts_.erase(it);
}

std::size_t mx_host_slots::in_use(const std::string& address) const {
  auto it = hosts_.find(address);
  return it == hosts_.end() ? 0 : it->second.used;
}

void mx_host_slots::set_used(const std::string& address, std::size_t used) {
  std::lock_guard lock(mutex_);
  if (used == 0) {
    used_.erase(address);
  } else {
    used_[address] = used;
  }
}

std::vector<mx_host_gauge> mx_host_slots::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<mx_host_gauge> out;
  for (const auto& [address, used] : used_) out.push_back({address, used});
  return out;
}

}  // namespace mfrelay::relay
