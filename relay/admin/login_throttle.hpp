// Slows password guessing at the web console's sign-in (admin_console): after
// max_failures failed sign-ins in a row from one client address, or for one
// user name, that address or name is locked out for `lockout`. Time is passed
// in (unit tests simulate it). Thread-safe. Addresses and names are client input.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "policy/time.hpp"

namespace mfrelay::relay {

class login_throttle {
 public:
  explicit login_throttle(std::uint32_t max_failures = 5, policy::duration lockout = std::chrono::minutes(1),
                          std::size_t max_entries = 10000);

  // How long the address or the user name is still locked out; nullopt: a
  // sign-in may be tried.
  std::optional<policy::duration> locked(std::string_view client, std::string_view user, policy::timestamp now);

  // A failed sign-in: counts against both the address and the name.
  void failed(std::string_view client, std::string_view user, policy::timestamp now);

  // A successful one: both counts start again.
  void succeeded(std::string_view client, std::string_view user);

 private:
  struct entry {
    std::uint32_t failures = 0;
    policy::timestamp last_failure{};
    policy::timestamp locked_until{};
  };
  std::optional<policy::duration> locked_key(const std::string& key, policy::timestamp now) const;  // under mutex_
  void count(const std::string& key, policy::timestamp now);                                        // under mutex_
  void prune(policy::timestamp now);                                                                // under mutex_

  std::uint32_t max_failures_;
  policy::duration lockout_;
  std::size_t max_entries_;
  std::mutex mutex_;
  std::map<std::string, entry, std::less<>> entries_;  // "a:<address>" and "u:<name>"
};

}  // namespace mfrelay::relay
