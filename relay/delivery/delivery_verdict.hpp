// What one delivery attempt decided for one recipient: delivered, deferred (retry
// later) or bounced (give up), with the RFC 3463 status and the diagnostic text.
// Plain values; any thread. Made only by delivery_trouble; `reply`/`diagnostic` quote the upstream server.
#pragma once
#include <string>

namespace mfrelay::relay {

enum class recipient_fate { delivered, deferred, bounced };

const char* to_string(recipient_fate fate);
// As Postfix logs it: "sent", "deferred", "bounced".
const char* postfix_status(recipient_fate fate);

struct delivery_verdict {
  recipient_fate fate = recipient_fate::deferred;
  std::string status;         // RFC 3463: "2.0.0", "4.4.2", "5.1.1"
  std::string diagnostic;     // "smtp; 550 5.1.1 <a@example.com>: unknown" or our own text
  std::string reply;          // the upstream reply as one line ("250 2.0.0 Ok"); empty when none
  std::string delay_type;     // deferred: SES's delayType ("TransientCommunicationFailure", "General", ...)
  std::string bounce_type;    // bounced: SES's bounceType ("Permanent" | "Transient")
  std::string bounce_sub_type;  // bounced: SES's bounceSubType; "" = "General"
  bool drop_session = false;  // the connection is unusable afterwards (421, I/O error, protocol error)

  friend bool operator==(const delivery_verdict&, const delivery_verdict&) = default;
};

struct recipient_outcome {
  std::string address;
  delivery_verdict verdict;

  friend bool operator==(const recipient_outcome&, const recipient_outcome&) = default;
};

}  // namespace mfrelay::relay
