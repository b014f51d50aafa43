// Heuristics for the mail that is not a standard report: plain-text bounces of
// older or non-standard MTAs (qmail, Exim, old Exchange and Gmail texts) and
// auto-replies (vacation, out-of-office). Used by feedback_report only. Pure;
// any thread. All input is a stranger's message text; lines are read bounded.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "relay/feedback/feedback_report.hpp"
#include "relay/feedback/mime_entity.hpp"

namespace mfrelay::relay {

// From names MAILER-DAEMON or postmaster.
bool from_mail_system(const header_block& headers);
// Subject reads like a bounce ("Undelivered Mail Returned to Sender",
// "failure notice", "Undeliverable: ...").
bool bounce_subject(std::string_view subject);
// The text says a delivery failed ("could not be delivered", qmail's greeting, ...).
bool bounce_wording(std::string_view text);

// An auto-reply by its headers (Auto-Submitted other than "no", X-Autoreply,
// X-Autorespond, Precedence: auto_reply) or its subject (vacation, out of
// office, automatic reply). Empty when it is not one; else the reason.
std::string auto_reply_reason(const header_block& headers);

struct plain_bounce_text {
  std::vector<bounced_recipient> recipients;  // in order, no duplicates; Undetermined
  std::string_view returned;  // the copy of the original message after the bounce text, if any
  bool truncated = false;     // more recipients than max_recipients
};

// The recipients a bounce text names: an address opening a line ("<a@b>:",
// "a@b", "a@b on 1/2/2024"), "RCPT TO:<a@b>", "delivered to a@b"; with the
// status code and diagnostic line that follows each (within a few lines).
// Addresses of the mail system itself (postmaster, MAILER-DAEMON) are skipped.
// Reading stops where the returned message starts.
plain_bounce_text read_plain_bounce(std::string_view text, const feedback_limits& limits);

// The address in an ARF / DSN address field: "rfc822; a@b" -> "a@b", "<a@b>" -> "a@b".
std::string address_of_field(std::string_view value, std::size_t max_bytes);

}  // namespace mfrelay::relay
