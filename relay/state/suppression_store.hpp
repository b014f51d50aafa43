// Where the account-level suppression list (SES's) survives restarts: one
// entry per suppressed address, plus the account's SuppressedReasons. An
// interface: sqlite_suppression_store (<state_dir>/state.db, one node) and
// pg_suppression_store (PostgreSQL, shared by every node). Implementations may
// block: call them off the I/O threads. Addresses and message ids are untrusted text.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/time.hpp"

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
  virtual ~suppression_store() = default;

  // Every entry; for a shared store, as the database holds it now (with this
  // node's writes not yet applied there). Throws std::runtime_error when it
  // cannot read.
  virtual std::vector<suppressed_destination> load_all() = 0;
  // Insert or replace. Throws on failure.
  virtual void put(const suppressed_destination& entry) = 0;
  // False when the address was not there.
  virtual bool remove(std::string_view address) = 0;

  // The account's SuppressedReasons, nullopt while never set through the API
  // (the configuration's [feedback] suppress applies then).
  virtual std::optional<std::vector<suppression_reason>> load_reasons() = 0;
  virtual void save_reasons(const std::vector<suppression_reason>& reasons) = 0;

  // True when other nodes write it too: the suppression list then re-reads it
  // (suppression_list::refresh).
  virtual bool shared() const { return false; }
};

// "BOUNCE,COMPLAINT" and back, as account_setting holds them.
std::string suppression_reasons_text(const std::vector<suppression_reason>& reasons);
std::vector<suppression_reason> parse_suppression_reasons(std::string_view text);

}  // namespace mfrelay::relay
