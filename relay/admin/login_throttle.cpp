#include "relay/admin/login_throttle.hpp"

#include "policy/ascii.hpp"

namespace mfrelay::relay {
namespace {
std::string address_key(std::string_view client) { return "a:" + std::string(client); }
std::string user_key(std::string_view user) { return "u:" + policy::ascii_lowered(user); }
}  // namespace

login_throttle::login_throttle(std::uint32_t max_failures, policy::duration lockout, std::size_t max_entries)
    : max_failures_(max_failures == 0 ? 1 : max_failures), lockout_(lockout), max_entries_(max_entries) {}

std::optional<policy::duration> login_throttle::locked(std::string_view client, std::string_view user,
                                                       policy::timestamp now) {
  std::lock_guard lock(mutex_);
  auto a = locked_key(address_key(client), now);
  auto u = locked_key(user_key(user), now);
  if (a && u) return *a > *u ? a : u;
  return a ? a : u;
}

void login_throttle::failed(std::string_view client, std::string_view user, policy::timestamp now) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_) prune(now);
  count(address_key(client), now);
  count(user_key(user), now);
}

void login_throttle::succeeded(std::string_view client, std::string_view user) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(address_key(client)); it != entries_.end()) entries_.erase(it);
  if (auto it = entries_.find(user_key(user)); it != entries_.end()) entries_.erase(it);
}

std::optional<policy::duration> login_throttle::locked_key(const std::string& key, policy::timestamp now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.locked_until <= now) return std::nullopt;
  return it->second.locked_until - now;
}

void login_throttle::count(const std::string& key, policy::timestamp now) {
  entry& e = entries_[key];
  // A failure long after the last one starts a new run.
  if (now - e.last_failure >= lockout_) e.failures = 0;
  e.last_failure = now;
  if (++e.failures >= max_failures_) {
    e.locked_until = now + lockout_;
    e.failures = 0;
  }
}

void login_throttle::prune(policy::timestamp now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.locked_until <= now && now - it->second.last_failure >= lockout_) it = entries_.erase(it);
    else ++it;
  }
  // Still full (an address spray): forget the oldest half rather than grow.
  if (entries_.size() >= max_entries_) {
    std::size_t drop = entries_.size() / 2;
    for (auto it = entries_.begin(); it != entries_.end() && drop > 0; --drop) {
      if (it->second.locked_until > now) ++it;
      else it = entries_.erase(it);
    }
  }
}

}  // namespace mfrelay::relay
