// The sent-message index: message id -> identity, MAIL FROM domain, the
// application's envelope sender, From, recipients, time, and the Send event's
// mail/policy objects. Written for every accepted message, read by the feedback
// listener, whose recipient <message-id>@<domain> says which message a bounce
// or complaint is about. Kept [feedback] retention in a sent_message_table:
// <state_dir>/state.db (its own table and connection) or PostgreSQL.
//
// remember() is on the SMTP hot path: it only queues under a mutex. A thread of
// the index's own writes the queue in one transaction every flush_interval (or
// at max_batch entries) and prunes expired rows every prune_interval; a 250 never
// waits for it. find() may block on SQLite (a primary-key read): the feedback
// listener calls it, never the submission path. Any thread for both. Message
// ids passed in are checked with policy::is_message_id by the caller.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "policy/time.hpp"
#include "relay/state/sent_message_table.hpp"

namespace mfrelay::relay {

struct sent_message {
  std::string message_id;
  std::string identity;          // the identity that governed it; "" when none did
  std::string mail_from_domain;  // of the envelope sender mfrelay gave it (custom or default)
  std::string source;            // the application's own envelope sender ("" for <>)
  std::string from;              // the From header's address
  std::vector<std::string> recipients;
  policy::timestamp sent_at{};
  std::string metadata;  // JSON {"mail":{...},"policy":{...},"session":{...}} of its Send event
};

struct sent_message_index_settings {
  policy::duration retention = std::chrono::hours(24 * 14);
  std::chrono::milliseconds flush_interval{100};
  std::size_t max_batch = 500;
  // Messages kept in memory while the table cannot be written (a database
  // away); beyond it the oldest are forgotten (their feedback goes unmatched).
  std::size_t max_queued = 200000;
  policy::duration prune_interval = std::chrono::minutes(10);
  std::function<policy::timestamp()> clock;  // default relay::now
};

class sent_message_index {
 public:
  // Opens (creating the table when missing) `path`; throws std::runtime_error
  // with the path and SQLite's message on failure. Starts the writer thread.
  sent_message_index(const std::string& path, sent_message_index_settings settings);
  // The same over another table (PostgreSQL). Starts the writer thread.
  sent_message_index(std::unique_ptr<sent_message_table> table, sent_message_index_settings settings);
  ~sent_message_index();  // writes what is queued, then stops the thread
  sent_message_index(const sent_message_index&) = delete;
  sent_message_index& operator=(const sent_message_index&) = delete;

  // Queues one message; returns at once. Never throws.
  void remember(sent_message message) noexcept;

  // The message, while younger than the retention (queued or written); nullopt
  // when unknown, expired, or the store cannot be read (logged; then
  // `*unavailable` is set when given, so a caller can answer "try later").
  std::optional<sent_message> find(const std::string& message_id, bool* unavailable = nullptr);

  // Writes everything queued now (tests, shutdown).
  void flush();
  // Deletes rows older than the retention now; returns how many.
  std::size_t prune();

  std::uint64_t written() const;
  std::uint64_t forgotten() const;

 private:
  void run();
  void write_batch(std::vector<sent_message>& batch);
  policy::timestamp clock_now() const;

  sent_message_index_settings settings_;
  std::unique_ptr<sent_message_table> table_;  // write()/prune() under write_mutex_, find() under read_mutex_
  std::mutex write_mutex_;
  std::mutex read_mutex_;

  mutable std::mutex queue_mutex_;
  std::condition_variable wake_;
  std::vector<sent_message> queued_;
  std::vector<sent_message> writing_;  // taken from the queue, not yet committed (find() still sees them)
  bool stopping_ = false;
  std::uint64_t written_ = 0;
  std::uint64_t forgotten_ = 0;  // dropped from a full queue
  std::thread thread_;
};

}  // namespace mfrelay::relay
