// Checks AUTH credentials against [[user]] password hashes without stalling
// the event loop: PBKDF2 runs on a worker pool, and a successful check is
// remembered (as an HMAC under a per-process random key, never the password)
// so a client that logs in on every connection pays for PBKDF2 once.
// A user name that does not exist costs the same PBKDF2 work as a wrong
// password (verify_unknown), so the time a failure takes does not tell which
// names exist. verify() may be awaited from any executor. Passwords are client input and
// secrets: they are wiped after use and never logged.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <mutex>
#include <string>

namespace mfrelay::relay {

class password_verifier {
 public:
  explicit password_verifier(boost::asio::any_io_executor workers);

  // True when `password` matches `password_hash` (the user's configured hash).
  boost::asio::awaitable<bool> verify(std::string user, std::string password, std::string password_hash);

  // For a user name without a password (unknown, or a networks-only user): the
  // PBKDF2 work verify() would do for the hash `like` (the caller passes the
  // costliest configured hash), against a dummy hash of the same parameters. False.
  boost::asio::awaitable<bool> verify_unknown(std::string password, std::string like);

 private:
  std::string remember_key(const std::string& user, const std::string& password, const std::string& hash) const;
  bool remembered(const std::string& user, const std::string& key);
  void remember(const std::string& user, std::string key);
  std::string dummy_like(const std::string& like);

  boost::asio::any_io_executor workers_;
  std::string secret_;  // random, per process
  std::mutex mutex_;
  std::map<std::string, std::string> known_;  // user -> HMAC(secret, user, password, hash)
  std::string dummy_like_, dummy_;            // the last `like` and its dummy hash
};

}  // namespace mfrelay::relay
