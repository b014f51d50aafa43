// The bounce message (RFC 3464 delivery status notification) that tells the
// application's original envelope sender which recipients of its message failed
// for good, and the spool envelope that carries it from the null sender. Pure;
// any thread. The original headers, addresses and upstream diagnostics are
// untrusted: they only ever land in lines we bound and, outside the headers part, escape.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/time.hpp"
#include "relay/delivery/delivery_verdict.hpp"
#include "relay/spool/envelope.hpp"

namespace mfrelay::relay {

// One recipient that failed permanently (5xx, a local refusal, max_age, null MX).
struct dsn_failure {
  recipient_outcome outcome;      // address, status, diagnostic
  std::string remote_mta;         // the server's IP address that refused it; empty when none
  policy::timestamp at{};         // when it was given up
};

struct dsn_message {
  std::string content;  // the whole message as the spool stores it (CRLF lines)
  envelope env;         // return_path "" and original_sender "" (the null sender: a
                        // DSN never bounces), recipients {original sender}
};

// The original message's header section (up to the empty line), at most
// `limit` bytes, cut at a line end; what a DSN quotes as text/rfc822-headers.
std::string header_section(std::string_view message, std::size_t limit = 64 * 1024);

// False when a failure of `original` must not be reported: its envelope sender
// is null (a bounce, a notification, or an application asking for none), or its
// headers say it is itself a delivery report (multipart/report;
// report-type=delivery-status), so that a bounce never answers a bounce.
bool wants_dsn(const envelope& original, std::string_view original_headers);

// The DSN for `failed` (not empty), or nullopt when wants_dsn() says no.
// `message_id` must be a fresh policy::is_message_id string; `hostname` names
// this relay (Reporting-MTA, the From address's domain, the Message-ID's right side).
std::optional<dsn_message> make_dsn(const envelope& original, std::string_view original_headers,
                                    std::span<const dsn_failure> failed, const std::string& hostname,
                                    const std::string& message_id, policy::timestamp now);

}  // namespace mfrelay::relay
