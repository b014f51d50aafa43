// The one place that decides what a delivery failure means, after Postfix's
// smtp/smtp_trouble.c: delivered, deferred (soft) or bounced (hard), and for whom.
// Pure functions, any thread. Replies and errors come from the upstream server.
//
// The rules:
//   - 2xx where 2xx is due: fine (at end of data: delivered).
//   - 5xx at MAIL, DATA or end of data: bounce every recipient still in the
//     transaction; 5xx at RCPT: bounce that recipient (except 552, which RFC 5321
//     4.5.3.1.10 says to treat as 452: too many recipients, try again).
//   - 5xx at the greeting, EHLO/HELO, STARTTLS or RSET: defer. They say nothing
//     about the message: the smarthost refuses *us*, which an operator fixes;
//     max_age is the safety net. (Postfix bounces here; we relay to one configured
//     host and would rather not bounce a whole queue over a configuration slip.)
//   - 4xx anywhere, 421 (then the connection is dropped), connection refused,
//     reset or timed out, TLS failure, a malformed or out-of-place reply: defer.
//   - Local: TLS required but not offered: defer. Message larger than the
//     server's SIZE, SMTPUTF8 needed but not offered, an address that would
//     break the command line: bounce (as Postfix does).
//   - A deferred recipient past max_age: bounce ("Transient", 4.4.7).
#pragma once
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <string_view>

#include "relay/delivery/delivery_verdict.hpp"
#include "relay/delivery/upstream_reply.hpp"

namespace mfrelay::relay {

enum class smtp_stage {
  connect,        // TCP connect (and name resolution)
  greeting,       // waiting for 220
  helo,           // EHLO or HELO
  starttls,       // STARTTLS command
  tls_handshake,  // the TLS handshake after 220
  rset,
  mail,
  rcpt,
  data,         // the DATA command (354 due)
  body,         // sending the message content
  end_of_data,  // the reply after "."
  quit,
  auth,         // AUTH with the smarthost's credentials
};

// What Postfix would write after "while": "receiving the initial server greeting", ...
const char* describe(smtp_stage stage);

// True when `reply` is what `stage` hopes for (220, 2xx, 354 at DATA).
bool is_success(smtp_stage stage, const upstream_reply& reply);

// The verdict for any reply at `stage`: success at end_of_data is `delivered`; success
// elsewhere is not a final verdict and callers do not ask.
delivery_verdict judge_reply(smtp_stage stage, const upstream_reply& reply);

// I/O trouble (refused, reset, eof, timeout, TLS error) at `stage`: always deferred,
// `peer` is "host[ip]:port" for the diagnostic,
// and the connection is dropped.
delivery_verdict judge_io_error(smtp_stage stage, boost::system::error_code ec, std::string_view peer);

// A reply that is not SMTP at all: deferred, connection dropped.
delivery_verdict judge_malformed_reply(smtp_stage stage, std::string_view peer);

// The local reasons not to send.
delivery_verdict judge_tls_not_offered(std::string_view peer);
// The server's certificate did not verify (`reason`: OpenSSL's, "hostname mismatch"):
// deferred, 4.7.5, connection dropped.
delivery_verdict judge_certificate(std::string_view reason, std::string_view peer);
// The smarthost refused our credentials (any reply but 235 to AUTH), or offered no
// mechanism we speak, or no TLS to send them over: deferred, never bounced (it is
// our configuration, not the message), delayType "SmarthostAuthFailure", connection dropped.
delivery_verdict judge_auth_refused(const upstream_reply& reply, std::string_view user, std::string_view peer);
delivery_verdict judge_auth_impossible(std::string_view why, std::string_view peer);
delivery_verdict judge_too_big(std::uint64_t size, std::uint64_t limit, std::string_view peer);
delivery_verdict judge_smtputf8_not_offered(std::string_view peer);
// Our own trouble (the spool cannot read the message, an unexpected exception):
// deferred, 4.3.0, delayType InternalFailure; `what` becomes the diagnostic.
delivery_verdict judge_local_error(std::string_view what);
// An address that cannot go on the wire (CR, LF, NUL, '<' or '>'): bounced, 5.1.7
// for the sender (then the whole message), 5.1.3 for a recipient.
delivery_verdict judge_bad_address(bool sender);

// Direct delivery (mx_plan): what the recipient domain's DNS says. A null MX
// (RFC 7505): bounced, 5.1.10. A domain that does not exist: bounced, 5.1.2 (bad
// destination system address). A domain whose name is a CNAME loop: bounced,
// 5.4.4 (unable to route: DNS holds no usable route, and retrying the same
// authoritative answer will not make one). Resolver trouble (SERVFAIL, timeout,
// ...): deferred, 4.4.3. No MX host with an address: deferred, 4.4.4 (DNS may be
// fixed; max_age is the safety net).
delivery_verdict judge_null_mx(std::string_view domain);
delivery_verdict judge_no_such_domain(std::string_view domain);
delivery_verdict judge_cname_loop(std::string_view domain);
delivery_verdict judge_dns_trouble(std::string_view domain, std::string_view outcome);
delivery_verdict judge_no_mx_address(std::string_view domain);

// A recipient still deferred at max_age: bounced, quoting why it was last deferred.
delivery_verdict judge_expired(const delivery_verdict& last);

}  // namespace mfrelay::relay
