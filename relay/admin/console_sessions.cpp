#include "relay/admin/console_sessions.hpp"

#include <openssl/crypto.h>

#include "relay/common/random_bytes.hpp"

namespace mfrelay::relay {

std::string random_token() { return random_hex(32); }

bool csrf_token_matches(std::string_view expected, std::string_view given) {
  if (expected.empty() || given.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

console_sessions::console_sessions(policy::duration idle, std::size_t max_sessions)
    : idle_(idle), max_sessions_(max_sessions == 0 ? 1 : max_sessions) {}

console_session console_sessions::create(std::string user, policy::timestamp now) {
  console_session s{random_token(), std::move(user), random_token(), now};
  std::lock_guard lock(mutex_);
  expire(now);
  while (sessions_.size() >= max_sessions_) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_.emplace(s.id, s);
  return s;
}

std::optional<console_session> console_sessions::find(std::string_view id, policy::timestamp now) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.last_used >= idle_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  if (now > it->second.last_used) it->second.last_used = now;
  return it->second;
}

void console_sessions::remove(std::string_view id) {
  std::lock_guard lock(mutex_);
  if (auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
}

std::size_t console_sessions::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void console_sessions::expire(policy::timestamp now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.last_used >= idle_) it = sessions_.erase(it);
    else ++it;
  }
}

}  // namespace mfrelay::relay
