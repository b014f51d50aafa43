// Collects a message's permanently failed recipients while the delivery queue
// works on it, and once the message is done spools one RFC 3464 DSN
// (dsn_message) for all of them through mfrelay's own spool, from the null
// sender, to the application's original envelope sender. Called on the delivery
// queue's strand only. The collected addresses and diagnostics are untrusted.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "policy/time.hpp"
#include "relay/delivery/dsn_message.hpp"
#include "relay/spool/envelope.hpp"
#include "relay/spool/message_store.hpp"

namespace mfrelay::relay {

// What the queue keeps per message for its DSN.
struct bounce_report {
  std::string headers;               // the original's header section, captured at each attempt
  std::vector<dsn_failure> failed;   // every recipient given up so far
  std::string dsn_id;                // the DSN's message id, chosen at the first failure; "" = no DSN
};

class bounce_reporter {
 public:
  // `enabled`: [delivery] bounce_messages. `hostname`: Reporting-MTA.
  bounce_reporter(message_store& spool, std::string hostname, bool enabled)
      : spool_(spool), hostname_(std::move(hostname)), enabled_(enabled) {}

  // Records failures of `original`; returns the DSN's message id (for the Bounce
  // event) or "" when none will be sent (disabled, null sender, a bounce of a bounce).
  const std::string& note(bounce_report& report, const envelope& original, std::span<const recipient_outcome> failed,
                          const std::string& remote_mta, policy::timestamp at);

  // When every recipient is done and some failed: writes the DSN to the spool and
  // returns its envelope, to be queued like any accepted message. nullopt when no
  // DSN is due or it could not be spooled (logged; the Bounce events stand).
  boost::asio::awaitable<std::optional<envelope>> spool_dsn(const envelope& original, const bounce_report& report,
                                                            policy::timestamp now);

 private:
  message_store& spool_;
  std::string hostname_;
  bool enabled_;
};

}  // namespace mfrelay::relay
