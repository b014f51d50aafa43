// One connection to the PostgreSQL store ([store] kind = "postgresql"), for the
// pg_* stores of this folder: text parameters in, text rows out, errors as
// std::runtime_error without the password. Reconnects by itself on the next
// call after a failure, with a backoff (a call inside the backoff fails at once,
// so a caller never waits on a dead server longer than connect_timeout). One
// thread at a time; blocks. libpq stays inside the .cpp. The SQL is ours; the
// parameters may be untrusted text (always sent as parameters, never spliced).
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mfrelay::relay {

using pg_value = std::optional<std::string>;  // nullopt is SQL NULL
using pg_row = std::vector<pg_value>;

struct pg_notification {
  std::string channel;
  std::string payload;
};

struct pg_result {
  std::vector<pg_row> rows;
  std::size_t affected = 0;  // rows an INSERT/UPDATE/DELETE touched
};

// The URL with any password replaced by "***" (for logs and errors).
std::string pg_redacted(const std::string& url);

class pg_connection {
 public:
  // Does not connect yet: the first call does. `max_backoff` caps the wait
  // between reconnect attempts (it doubles from 100 ms).
  explicit pg_connection(std::string url, std::chrono::milliseconds max_backoff = std::chrono::seconds(5));
  ~pg_connection();
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  // Runs one statement ($1, $2... are `params`). Throws std::runtime_error
  // when not connected (and cannot connect now) or when the statement fails.
  pg_result exec(const std::string& sql, const std::vector<pg_value>& params = {});
  // BEGIN; body; COMMIT; a ROLLBACK and rethrow when anything throws.
  void transaction(const std::function<void()>& body);
  // Connects now when not connected (honouring the backoff); true when connected.
  bool ensure();
  bool connected() const;
  // Drops the connection (tests; and after an error that left it unusable).
  void reset();
  // For a session that LISTENs (pg_cluster_link): the socket to poll(2) for
  // input, -1 when not connected.
  int socket() const;
  // Reads what the server sent and returns the notifications received (here
  // or during an exec) since the last call. A connection found
  // closed is dropped (connected() turns false) and the backoff applies.
  std::vector<pg_notification> notifications();

 private:
  struct state;
  std::unique_ptr<state> s_;
};

}  // namespace mfrelay::relay
