// The account-level suppression list, as SES keeps it: addresses that bounced
// permanently or complained, never delivered to again until removed. Held in
// memory for the delivery path (suppressed() never touches SQLite), written
// through to a suppression_store when one is given (RAM only without: tests),
// and re-read from it when other nodes share it (refresh()).
// Called by delivery (suppressed(), any thread), the admin API and the
// feedback listener (add()/put()/remove(): they write SQLite, so call them off
// the I/O threads). Every address is untrusted text.
#pragma once
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/time.hpp"
#include "relay/state/suppression_store.hpp"

namespace mfrelay::relay {

// What ListSuppressedDestinations asks for.
struct suppression_query {
  std::vector<suppression_reason> reasons;  // empty: both
  std::optional<policy::timestamp> start, end;  // LastUpdateTime within [start, end]
  std::size_t page_size = 1000;
  std::string after;  // NextToken: the last address of the previous page; "" = from the start
};

struct suppression_page {
  std::vector<suppressed_destination> items;  // by address
  std::string next;                           // "" = no more
};

class suppression_list {
 public:
  // `store` may be null (memory only); otherwise its rows are loaded now.
  // `automatic`: [feedback] suppress, the reasons recorded automatically,
  // unless PutAccountSuppressionAttributes saved others in the store.
  suppression_list(suppression_store* store, std::vector<suppression_reason> automatic);

  // "Local@Example.COM" -> "Local@example.com" (RFC 5321: only the domain is
  // case-insensitive); nullopt when it is no email address.
  static std::optional<std::string> canonical(std::string_view address);

  // The daemon's entry for a permanent bounce or a complaint found by the
  // feedback listener or by delivery: recorded only when `reason` is among the
  // automatic reasons (false otherwise, or when `address` is no address).
  // Throws std::runtime_error when the store cannot write.
  bool add(std::string_view address, suppression_reason reason, policy::timestamp at, std::string_view message_id,
           std::string_view feedback_id = {});

  // PutSuppressedDestination: always recorded (explicit). Throws
  // std::invalid_argument for a bad address, std::runtime_error on store failure.
  suppressed_destination put(std::string_view address, suppression_reason reason, policy::timestamp at);
  std::optional<suppressed_destination> get(std::string_view address) const;
  // False when it was not listed.
  bool remove(std::string_view address);

  // The delivery path: one hash lookup under a shared lock, no I/O.
  bool suppressed(std::string_view address) const;

  suppression_page list(const suppression_query& query) const;
  std::size_t size() const;

  // Re-reads the store (a shared one: other nodes add and remove entries too)
  // and replaces this copy with it; the daemon calls it every second on its
  // store thread, so another node's entry applies here within about a second.
  // Keeps the copy and throws std::runtime_error when the store cannot be read.
  void refresh();

  std::vector<suppression_reason> automatic_reasons() const;
  // PutAccountSuppressionAttributes; persisted. Empty: nothing is added
  // automatically any more (entries already listed still apply).
  void set_automatic_reasons(std::vector<suppression_reason> reasons);

 private:
  void record(const suppressed_destination& entry);

  suppression_store* store_;
  std::mutex write_lock_;  // one store write at a time, in the order the map sees them
  mutable std::shared_mutex lock_;
  std::unordered_map<std::string, suppressed_destination> entries_;  // canonical address -> entry
  std::vector<suppression_reason> automatic_;
};

}  // namespace mfrelay::relay
