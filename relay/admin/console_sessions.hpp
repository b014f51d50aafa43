// The web console's signed-in sessions (admin_console): a random 256-bit id
// in a cookie, the user it belongs to, its CSRF token, and an idle expiry
// checked on the server. Thread-safe (admin connections run on several
// threads). Ids and tokens coming back from clients are untrusted.
#pragma once
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "policy/time.hpp"

namespace mfrelay::relay {

struct console_session {
  std::string id;          // 64 hex digits (256 random bits): the cookie value
  std::string user;        // the [[admin.user]] name
  std::string csrf_token;  // 64 hex digits, in every form of the session's pages
  policy::timestamp last_used{};
};

class console_sessions {
 public:
  // A session unused for `idle` ends; past `max_sessions` the least recently
  // used one ends to make room.
  explicit console_sessions(policy::duration idle = std::chrono::hours(8), std::size_t max_sessions = 1000);

  console_session create(std::string user, policy::timestamp now);

  // The live session with this id, its last use moved to `now`; nullopt for
  // an unknown or expired id (an expired one is forgotten).
  std::optional<console_session> find(std::string_view id, policy::timestamp now);

  void remove(std::string_view id);
  std::size_t size() const;
  policy::duration idle() const { return idle_; }

 private:
  void expire(policy::timestamp now);  // under mutex_

  policy::duration idle_;
  std::size_t max_sessions_;
  mutable std::mutex mutex_;
  std::map<std::string, console_session, std::less<>> sessions_;
};

// 64 hex digits from OpenSSL's random generator (throws when it fails).
std::string random_token();

// True when `given` is the session's token; compares in constant time.
bool csrf_token_matches(std::string_view expected, std::string_view given);

}  // namespace mfrelay::relay
