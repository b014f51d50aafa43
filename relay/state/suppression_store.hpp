// Where the account-level suppression list (SES's) survives restarts: one row
// per suppressed address in <state_dir>/state.db, beside the verification
// states, plus the account's SuppressedReasons. Its own SQLite connection
// (WAL lets it share the file with sqlite_state_store); blocks on disk, so
// call it off the I/O threads. Addresses and message ids are untrusted text.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/time.hpp"

struct sqlite3;

namespace mfrelay::relay {

enum class suppression_reason { bounce, complaint };

// "BOUNCE" | "COMPLAINT", as SESv2 spells them.
std::string_view to_string(suppression_reason reason);
std::optional<suppression_reason> parse_suppression_reason(std::string_view text);

struct suppressed_destination {
  std::string address;  // canonical: the local part as given, the domain lower-cased
  suppression_reason reason = suppression_reason::bounce;
  policy::timestamp last_update{};
  std::string message_id;   // the message whose bounce or complaint put it here; "" when added by hand
  std::string feedback_id;  // the Bounce/Complaint event's feedbackId; "" when none

  friend bool operator==(const suppressed_destination&, const suppressed_destination&) = default;
};

class suppression_store {
 public:
  // Opens (creating when missing) the tables. Throws std::runtime_error with
  // SQLite's message on failure.
  explicit suppression_store(const std::string& path);
  ~suppression_store();
  suppression_store(const suppression_store&) = delete;
  suppression_store& operator=(const suppression_store&) = delete;

  std::vector<suppressed_destination> load_all();
  // Insert or replace; durable (synchronous=FULL) on return. Throws on failure.
  void put(const suppressed_destination& entry);
  // False when the address was not there.
  bool remove(std::string_view address);

  // The account's SuppressedReasons, nullopt while never set through the API
  // (the configuration's [feedback] suppress applies then).
  std::optional<std::vector<suppression_reason>> load_reasons();
  void save_reasons(const std::vector<suppression_reason>& reasons);

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace mfrelay::relay
