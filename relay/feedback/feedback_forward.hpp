// Feedback forwarding (SES's default, per identity: forward_feedback): the
// bounce or complaint a feedback listener received, re-sent to the
// application's original envelope sender from the null sender, so nothing
// ever answers it. The report's own MIME structure (multipart/report) is kept,
// under our header fields, so the application's tools still read it. Pure; any
// thread. The report is untrusted: only its MIME fields and body are copied.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "policy/time.hpp"
#include "relay/feedback/feedback_outcome.hpp"
#include "relay/spool/envelope.hpp"

namespace mfrelay::relay {

struct forwarded_feedback {
  envelope env;         // null sender, to the original sender
  std::string content;  // the whole message, CRLF lines
};

// nullopt when there is nobody to forward to (the original went out with <>).
// `message_id`: a fresh id (policy::is_message_id); `hostname`: [relay] hostname.
std::optional<forwarded_feedback> forward_feedback_message(std::string_view report, const feedback_outcome& outcome,
                                                           const std::string& hostname, const std::string& message_id,
                                                           policy::timestamp now);

}  // namespace mfrelay::relay
