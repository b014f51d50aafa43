// One verifier at a time, and the change fan-out, for [store] kind =
// "postgresql" (README "Running several nodes"). Each node keeps one
// dedicated PostgreSQL session, on a thread of its own, that
//  - tries pg_try_advisory_lock(pg_verifier_lock_key) every `try_every` while
//    it does not hold it: the node holding the lock is the verifier (the one
//    that runs the MAIL FROM DNS checks). The lock lives as long as the
//    session: a node that dies (or loses the database) frees it, and another
//    node takes it within `try_every`;
//  - LISTENs on pg_state_channel, which the verifier's state writes NOTIFY
//    (pg_state_store), and on pg_policy_channel, which every write of the
//    cluster's policy NOTIFYs (pg_policy_store), and calls `on_change` for each
//    batch of notifications,
//    after every (re)connect and every `reread_every` (the safety net).
//  - LISTENs on pg_check_channel too: a node that is not the verifier asks
//    the verifier to check an identity now (request_check, the admin API's
//    verify through a balancer), and the verifier's `on_check` runs it.
// The handlers run on the link's thread and must return at once (post the
// work elsewhere). Nothing here blocks a caller: the SMTP path never waits on
// it. While the database is away the link reconnects with pg_connection's
// backoff and the node is not the verifier. libpq stays inside the .cpp.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mfrelay::relay {

// The advisory lock every node of one database competes for ("mfr-ver" in
// ASCII); not pg_migration_lock, which a starting node waits for.
inline constexpr std::int64_t pg_verifier_lock_key = 0x6d66722d766572;

// Its payload: the identity to check now.
inline constexpr const char* pg_check_channel = "mfrelay_check";

struct pg_cluster_link_settings {
  std::chrono::milliseconds try_every{1000};
  std::chrono::milliseconds reread_every{30000};
  std::chrono::milliseconds poll{200};  // also bounds how long the destructor waits
};

class pg_cluster_link {
 public:
  using role_handler = std::function<void(bool verifier)>;
  using change_handler = std::function<void()>;
  using check_handler = std::function<void(const std::string& identity)>;

  // Starts the thread; connects there (never here).
  pg_cluster_link(std::string url, role_handler on_role, change_handler on_change, check_handler on_check,
                  pg_cluster_link_settings settings = {});
  // Stops the thread and closes the session (which frees the lock at once).
  ~pg_cluster_link();
  pg_cluster_link(const pg_cluster_link&) = delete;
  pg_cluster_link& operator=(const pg_cluster_link&) = delete;

  bool verifier() const { return verifier_.load(std::memory_order_relaxed); }

  // From any thread: asks the verifier, whichever node it is, to check
  // `identity` now; sent within `poll`, or once the database answers again
  // (lost if the send itself fails: the next scheduled check still comes).
  void request_check(std::string identity);

 private:
  void run();
  void set_role(bool verifier);

  std::string url_;
  role_handler on_role_;
  change_handler on_change_;
  check_handler on_check_;
  std::mutex requests_mutex_;
  std::vector<std::string> requests_;  // request_check's, not sent yet
  pg_cluster_link_settings settings_;
  std::atomic<bool> verifier_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace mfrelay::relay
