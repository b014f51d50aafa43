// Reads a message that arrived at the feedback address
// (<message-id>@<MAIL FROM domain>; the envelope recipient says which message
// it is about, this parser sees only the message) and says what it is: a
// bounce (an RFC 3464 delivery status notification, or a plain-text bounce of
// an older MTA), a complaint (an RFC 5965 feedback report), a delay notice,
// something that is not a bounce (an auto-reply, a success notice), or
// unrecognised. Pure: no I/O, no clock, no logging; any thread. The whole input
// is untrusted: time and memory stay linear in its size, sizes are capped.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "relay/feedback/bounce_classifier.hpp"

namespace mfrelay::relay {

struct feedback_limits {
  std::size_t max_input_bytes = 4 * 1024 * 1024;  // bytes read; the rest is ignored (truncated = true)
  std::size_t max_recipients = 100;               // recipients kept per report
  std::size_t max_depth = 8;                      // nested multiparts / encapsulated messages
  std::size_t max_value_bytes = 1000;             // each text value we keep (diagnostic, user agent, ...)
};

enum class feedback_kind {
  bounce,        // a delivery failed (or, Undetermined, probably failed)
  complaint,     // a recipient reported the message (ARF)
  delay,         // a DSN whose recipients are all only delayed: not (yet) a bounce
  not_a_bounce,  // an auto-reply, a vacation message, a success notice
  unrecognised,  // none of the above; `reason` says why
};

std::string_view to_string(feedback_kind kind);

struct bounced_recipient {
  std::string email_address;       // Final-Recipient's address (Original-Recipient's when it has none)
  std::string original_recipient;  // Original-Recipient's address, when given
  std::string action;              // lower case: failed, delayed, delivered, relayed, expanded; "" when not given
  std::string status;              // "5.1.1"; "" when not found
  std::string diagnostic_code;     // "smtp; 550 5.1.1 ..." as reported, unfolded
  std::string remote_mta;          // "dns; mx.example.net"
  bounce_class classification;     // this recipient's bounceType / bounceSubType
};

struct bounce_details {
  bounce_class classification;  // the whole report's: the most severe failed recipient's
  std::vector<bounced_recipient> recipients;  // failed ones (delayed ones in a delay report)
  std::string reporting_mta;    // "dns; mx.example.net"
  std::string arrival_date;     // as written
  bool standard = false;        // an RFC 3464 report (else a plain-text bounce read by heuristics)
};

struct complaint_details {
  std::string feedback_type;  // lower case: abuse, auth-failure, fraud, not-spam, other, virus, ...
  std::string user_agent;
  std::string arrival_date;   // Arrival-Date, else Received-Date, as written
  std::string source_ip;
  std::vector<std::string> complained_recipients;  // Original-Rcpt-To, else the original message's To
};

// What the report quotes of the message it is about (message/rfc822 or
// text/rfc822-headers, or the copy a plain-text bounce appends).
struct original_message {
  std::string message_id;  // as written, angle brackets included
  std::string from;
  std::string to;
  std::string subject;
};

struct feedback_report {
  feedback_kind kind = feedback_kind::unrecognised;
  bounce_details bounce;        // kind bounce or delay
  complaint_details complaint;  // kind complaint
  original_message original;
  std::string reason;           // not_a_bounce / unrecognised: why, in words
  bool truncated = false;       // input or recipients were cut at a limit
};

feedback_report parse_feedback_report(std::string_view message, const feedback_limits& limits = {});

}  // namespace mfrelay::relay
