// What session_machine hands back after each input: reply bytes to write, the
// action the driver must take, decoded message data. Plain values for the
// session's strand. Holds client data; `credentials` holds a secret.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/email_address.hpp"
#include "policy/smtp_reply.hpp"
#include "relay/smtp/auth_exchange.hpp"
#include "relay/smtp/envelope_arguments.hpp"
#include "relay/smtp/header_scanner.hpp"

namespace mfrelay::relay::smtp {

enum class session_action {
  none,
  start_tls,         // write the replies, drop every buffered input byte, handshake, then on_tls_started()
  verify_password,   // check `credentials` (off the strand), then on_auth_result()
  begin_data,        // write the 354; store the data that follows; `message` holds the envelope so far
  message_complete,  // decide and store (or drop) the message, then on_message_result()
  close,             // write the replies, then close the connection
};

// One mail transaction as the driver needs it to write a spool entry,
// a Received header and an event.
struct message_envelope {
  std::optional<policy::email_address> sender;  // nullopt: <>
  std::vector<policy::email_address> recipients;
  mail_parameters params;
  std::string user;      // the authenticated or network user
  std::string helo;      // as the client gave it
  std::string protocol;  // "ESMTPSA", ... (RFC 3848), for the Received header
  // The fields below are filled at message_complete.
  message_headers headers;
  std::optional<policy::email_address> from;      // the one From mailbox, when there is exactly one
  std::optional<policy::smtp_reply> rejection;    // the message must be refused with this
  std::uint64_t size = 0;                         // decoded octets
};

struct session_output {
  std::size_t consumed = 0;  // input octets used by on_input(); keep the rest for the next call
  std::string replies;       // wire bytes; write them before reading more from the client
  // The machine paused at the end of a PIPELINING command group (RFC 2920):
  // the replies must go out even though more input may be buffered.
  bool flush = false;
  std::chrono::milliseconds delay{0};  // wait this long before writing `replies` (AUTH failures)
  session_action action = session_action::none;
  // Data phase: decoded content to append to the message, in order. Valid
  // until the next call into the machine. May be non-empty with message_complete.
  std::string_view data;
  std::optional<auth_credentials> credentials;  // verify_password
  std::optional<message_envelope> message;      // begin_data, message_complete
  // Each command handled, as it may be logged (AUTH payloads masked).
  std::vector<std::string> commands;
};

}  // namespace mfrelay::relay::smtp
