// Every fixed reply the SMTP server side sends, in one place, with SES's texts
// where SES documents one (shared/reference/SES-FACTS.md). Pure, any thread.
// Arguments may be client text (addresses); render_reply() sanitises them.
#pragma once
#include <string>
#include <string_view>

#include "policy/smtp_reply.hpp"

namespace mfrelay::relay::smtp::replies {

using policy::smtp_reply;

inline smtp_reply greeting(std::string_view host) { return {220, "", std::string(host) + " ESMTP mfrelay"}; }
inline smtp_reply ok() { return {250, "2.0.0", "Ok"}; }
inline smtp_reply sender_ok() { return {250, "2.1.0", "Ok"}; }
inline smtp_reply recipient_ok() { return {250, "2.1.5", "Ok"}; }
// What the driver answers once the message is on disk (DESIGN.md: "250 Ok <message-id>").
inline smtp_reply accepted(std::string_view message_id) {
  return {250, "2.0.0", "Ok " + std::string(message_id)};
}
inline smtp_reply start_data() { return {354, "", "End data with <CR><LF>.<CR><LF>"}; }
inline smtp_reply bye() { return {221, "2.0.0", "Bye"}; }
inline smtp_reply cannot_vrfy() {
  return {252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"};
}
inline smtp_reply help() {
  return {214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH"};
}
inline smtp_reply ready_for_tls() { return {220, "2.0.0", "Ready to start TLS"}; }
inline smtp_reply auth_challenge(std::string_view base64) { return {334, "", std::string(base64)}; }
inline smtp_reply auth_ok() { return {235, "2.7.0", "Authentication successful"}; }

// Protocol errors (they count towards max_errors).
inline smtp_reply line_too_long() { return {500, "5.5.2", "Error: line too long"}; }
inline smtp_reply bare_cr_in_command() { return {500, "5.5.2", "Error: bare <CR> received"}; }
inline smtp_reply unknown_command() { return {500, "5.5.2", "Error: command not recognized"}; }
inline smtp_reply syntax(std::string_view usage) { return {501, "5.5.4", "Syntax: " + std::string(usage)}; }
inline smtp_reply bad_size_syntax() { return {501, "5.5.4", "Bad message size syntax"}; }
inline smtp_reply unsupported_option(std::string_view param) {
  return {555, "5.5.4", "Unsupported option: " + std::string(param)};
}
inline smtp_reply need_helo() { return {503, "5.5.1", "Error: send HELO/EHLO first"}; }
inline smtp_reply nested_mail() { return {503, "5.5.1", "Error: nested MAIL command"}; }
inline smtp_reply need_mail() { return {503, "5.5.1", "Error: need MAIL command"}; }
inline smtp_reply need_rcpt() { return {503, "5.5.1", "Error: need RCPT command"}; }
inline smtp_reply transaction_in_progress() { return {503, "5.5.1", "Error: MAIL transaction in progress"}; }
inline smtp_reply already_authenticated() { return {503, "5.5.1", "Error: already authenticated"}; }
inline smtp_reply auth_not_enabled() { return {503, "5.5.1", "Error: authentication not enabled"}; }
inline smtp_reply not_implemented() { return {502, "5.5.1", "Error: command not implemented"}; }
inline smtp_reply tls_already_active() { return {554, "5.5.1", "Error: TLS already active"}; }
inline smtp_reply unknown_mechanism() { return {504, "5.5.4", "Unrecognized authentication type"}; }
inline smtp_reply auth_cancelled() { return {501, "5.0.0", "Authentication cancelled"}; }
inline smtp_reply cannot_decode() { return {501, "5.5.2", "Cannot decode response"}; }
inline smtp_reply must_starttls() { return {530, "5.7.0", "Must issue a STARTTLS command first"}; }
inline smtp_reply auth_required() { return {530, "5.7.0", "Authentication required"}; }
inline smtp_reply network_denied() {
  return {554, "5.7.1", "Access denied: client is not in any user's networks"};
}
inline smtp_reply invalid_sender(std::string_view address) {
  return {553, "5.1.7", "<" + std::string(address) + "> Invalid email address"};
}
inline smtp_reply unknown_recipient(std::string_view address) {
  return {553, "5.1.3", "<" + std::string(address) + "> address unknown"};
}
inline smtp_reply needs_smtputf8() { return {553, "5.6.7", "Must declare SMTPUTF8 to send unicode address"}; }
// Cross-protocol requests (an HTTP client pointed at the port): Postfix's answer.
inline smtp_reply forbidden_command() { return {221, "2.7.0", "Error: I can break rules, too. Goodbye."}; }

// Authentication outcomes (failures count towards max_auth_failures, not max_errors).
inline smtp_reply bad_credentials() { return {535, "5.7.8", "Authentication Credentials Invalid"}; }
inline smtp_reply auth_temporary_failure() { return {454, "4.7.0", "Temporary authentication failure"}; }

// Limits (not protocol errors: a well-behaved client can hit them).
inline smtp_reply too_many_recipients() { return {452, "4.5.3", "Too many recipients"}; }
inline smtp_reply message_too_long() { return {552, "5.3.4", "Message is too long."}; }

// Message content.
inline smtp_reply bare_newline_in_message() {
  return {554, "5.6.0", "Message rejected: bare CR or LF in the message; lines must end with CRLF"};
}
inline smtp_reply nul_in_message() { return {554, "5.6.0", "Message rejected: NUL octet in the message"}; }
inline smtp_reply text_line_too_long() {
  return {554, "5.6.0", "Message rejected: a line is longer than 1000 octets"};
}
inline smtp_reply no_from() { return {554, "5.6.0", "Message rejected: the message has no From header"}; }
// A From field is there but unusable: say what is wrong, so the sender can fix it.
inline smtp_reply invalid_from(std::string_view why) {
  return {554, "5.6.0", "Message rejected: the From header's address is not valid: " + std::string(why)};
}
inline smtp_reply empty_from() { return {554, "5.6.0", "Message rejected: the From header holds no address"}; }
inline smtp_reply several_from() {
  return {554, "5.6.0", "Message rejected: the From header must hold exactly one address"};
}

// The session ends after these.
inline smtp_reply too_many_errors(std::string_view host) {
  return {421, "4.7.0", std::string(host) + " Error: too many errors"};
}
inline smtp_reply too_many_auth_failures(std::string_view host) {
  return {421, "4.7.0", std::string(host) + " Error: too many authentication failures"};
}
inline smtp_reply timeout(std::string_view host) {
  return {421, "4.4.2", std::string(host) + " Error: timeout exceeded"};
}

}  // namespace mfrelay::relay::smtp::replies
