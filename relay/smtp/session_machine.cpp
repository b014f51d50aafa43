#include "relay/smtp/session_machine.hpp"

#include <stdexcept>
#include <utility>

#include "relay/smtp/received_header.hpp"
#include "relay/smtp/reply_renderer.hpp"
#include "relay/smtp/standard_replies.hpp"

namespace mfrelay::relay::smtp {

session_machine::session_machine(session_config config, session_hooks& hooks)
    : config_(std::move(config)),
      hooks_(hooks),
      // An implicit-TLS listener shakes hands before the greeting, so TLS is on
      // whatever the driver filled in.
      tls_active_(config_.tls_active || config_.tls == policy::tls_mode::implicit) {}

// ---- plumbing ---------------------------------------------------------------

void session_machine::require(phase expected, const char* call) const {
  if (phase_ != expected) throw std::logic_error(std::string("session_machine: unexpected ") + call);
}

void session_machine::reply(session_output& out, const policy::smtp_reply& r) const {
  // RFC 2034: enhanced status codes only once the client has said EHLO.
  out.replies += render_reply(r, esmtp_);
}

void session_machine::protocol_error(session_output& out, const policy::smtp_reply& r) {
  reply(out, r);
  // Postfix's hard error limit: a client that keeps getting it wrong is
  // either broken or probing; either way the connection is better closed.
  if (++errors_ >= config_.max_errors) {
    reply(out, replies::too_many_errors(config_.hostname));
    close(out);
  }
}

void session_machine::close(session_output& out) {
  phase_ = phase::closed;
  out.action = session_action::close;
  out.flush = true;
}

std::string session_machine::current_user() const {
  if (config_.auth == policy::auth_mode::network) return config_.network_user.value_or("");
  return user_.value_or("");
}

message_envelope session_machine::envelope() const {
  message_envelope e;
  if (tx_) {
    e.sender = tx_->sender;
    e.recipients = tx_->recipients;
    e.params = tx_->params;
  }
  e.user = current_user();
  e.helo = helo_;
  e.protocol = with_protocol(esmtp_, tls_active_, user_.has_value());
  return e;
}

// ---- driver entry points ----------------------------------------------------

session_output session_machine::greeting() {
  session_output out;
  reply(out, replies::greeting(config_.hostname));
  out.flush = true;
  return out;
}

session_output session_machine::on_input(std::string_view bytes) {
  session_output out;
  switch (phase_) {
    case phase::closed:
      out.consumed = bytes.size();
      out.action = session_action::close;
      return out;
    case phase::awaiting_tls:
    case phase::awaiting_auth:
    case phase::awaiting_message:
      throw std::logic_error("session_machine: on_input while an action awaits its result");
    case phase::data:
      data_input(bytes, out);
      return out;
    case phase::command:
    case phase::auth:
      break;
  }
  // Commands strictly in order; stop at the end of a command group (flush) or
  // when the driver must act, so nothing after that point is read early.
  while (out.consumed < bytes.size()) {
    command_line_reader::result r = reader_.put(bytes.substr(out.consumed));
    out.consumed += r.consumed;
    if (r.what == command_line_reader::status::need_more) break;
    if (phase_ == phase::auth) {
      auth_line(r, out);
    } else {
      command_line(r, out);
    }
    if (out.flush || out.action != session_action::none) break;
  }
  return out;
}

session_output session_machine::on_tls_started() {
  require(phase::awaiting_tls, "on_tls_started");
  // STARTTLS injection (CVE-2011-0411 and kin): nothing the client said in
  // plaintext may survive into the TLS session. The driver dropped the
  // buffered bytes; here the state goes.
  tls_active_ = true;
  greeted_ = false;
  esmtp_ = false;
  helo_.clear();
  user_.reset();
  tx_.reset();
  auth_.reset();
  reader_.reset();
  phase_ = phase::command;
  return {};
}

session_output session_machine::on_auth_result(auth_result result) {
  require(phase::awaiting_auth, "on_auth_result");
  session_output out;
  out.flush = true;
  phase_ = phase::command;
  switch (result) {
    case auth_result::ok:
      user_ = std::move(pending_user_);
      reply(out, replies::auth_ok());
      break;
    case auth_result::invalid:
      auth_failed(out);
      break;
    case auth_result::temporary_failure:
      reply(out, replies::auth_temporary_failure());
      break;
  }
  pending_user_.clear();
  return out;
}

session_output session_machine::on_message_result(const policy::smtp_reply& r) {
  require(phase::awaiting_message, "on_message_result");
  session_output out;
  reply(out, rejection_ ? *rejection_ : r);
  // The transaction is over either way (like RSET); EHLO and AUTH stay.
  tx_.reset();
  decoder_.reset();
  rejection_.reset();
  phase_ = phase::command;
  return out;
}

session_output session_machine::on_timeout() {
  session_output out;
  reply(out, replies::timeout(config_.hostname));
  close(out);
  return out;
}

session_output session_machine::on_shutdown() {
  session_output out;
  // RFC 5321 4.3.2: 421 may answer any command, or come unasked, when the
  // service must close. 4.3.2 is RFC 3463's "system not accepting messages".
  reply(out, {421, "4.3.2", config_.hostname + " Service shutting down"});
  close(out);
  return out;
}

// ---- command phase ----------------------------------------------------------

void session_machine::command_line(const command_line_reader::result& r, session_output& out) {
  if (r.what == command_line_reader::status::too_long) {
    out.commands.emplace_back("(line too long)");
    return protocol_error(out, replies::line_too_long());
  }
  if (r.what == command_line_reader::status::bare_cr) {
    out.commands.emplace_back("(line with a bare CR)");
    return protocol_error(out, replies::bare_cr_in_command());
  }
  out.commands.push_back(describe_command(r.line));
  command c = parse_command(r.line);
  switch (c.what) {
    case verb::helo:
    case verb::ehlo:
      return hello(c, out);
    case verb::mail:
      return mail(c, out);
    case verb::rcpt:
      return rcpt(c, out);
    case verb::data:
      return data(c, out);
    case verb::starttls:
      return starttls(c, out);
    case verb::auth:
      return auth(c, out);
    case verb::rset:
      if (!c.argument.empty()) return protocol_error(out, replies::syntax("RSET"));
      tx_.reset();
      return reply(out, replies::ok());
    case verb::noop:
      out.flush = true;
      return reply(out, replies::ok());
    case verb::quit:
      reply(out, replies::bye());
      return close(out);
    case verb::vrfy:
      out.flush = true;
      if (c.argument.empty()) return protocol_error(out, replies::syntax("VRFY address"));
      return reply(out, replies::cannot_vrfy());
    case verb::help:
      out.flush = true;
      return reply(out, replies::help());
    case verb::forbidden:
      reply(out, replies::forbidden_command());
      return close(out);
    case verb::unknown:
      break;
  }
  protocol_error(out, replies::unknown_command());
}

void session_machine::hello(const command& c, session_output& out) {
  const bool ehlo = c.what == verb::ehlo;
  out.flush = true;
  if (c.argument.empty()) return protocol_error(out, replies::syntax(ehlo ? "EHLO hostname" : "HELO hostname"));
  helo_ = std::string(c.argument.substr(0, c.argument.find_first_of(" \t")));
  greeted_ = true;
  esmtp_ = ehlo;
  tx_.reset();  // RFC 5321 4.1.4: a new EHLO/HELO ends any transaction; AUTH stays
  if (!ehlo) return reply(out, {250, "", config_.hostname});
  std::vector<std::string> lines{config_.hostname, "PIPELINING", "SIZE " + std::to_string(config_.max_message_bytes),
                                 "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8"};
  if (config_.tls == policy::tls_mode::starttls && !tls_active_) lines.emplace_back("STARTTLS");
  // Passwords travel only under TLS, so AUTH is not even offered before it.
  if (config_.auth == policy::auth_mode::password && tls_active_ && !config_.feedback)
    lines.emplace_back("AUTH PLAIN LOGIN");
  out.replies += render_multiline_reply(250, "", lines, esmtp_);
}

std::optional<policy::smtp_reply> session_machine::mail_access_refusal() const {
  // Nothing but an authenticated or trusted client gets past MAIL: that is
  // what keeps this relay closed, since recipients are not restricted. A
  // feedback listener is closed by its recipients instead (check_recipient).
  if (config_.feedback) return std::nullopt;
  if (config_.auth == policy::auth_mode::network) {
    if (!config_.network_user) return replies::network_denied();
    return std::nullopt;
  }
  if (!tls_active_) return replies::must_starttls();
  if (!user_) return replies::auth_required();
  return std::nullopt;
}

void session_machine::mail(const command& c, session_output& out) {
  if (!greeted_) return protocol_error(out, replies::need_helo());
  if (std::optional<policy::smtp_reply> refusal = mail_access_refusal()) return protocol_error(out, *refusal);
  if (tx_) return protocol_error(out, replies::nested_mail());
  mail_from_result parsed = parse_mail_from(c.argument);
  if (!parsed.value) return protocol_error(out, parsed.error);
  if (parsed.value->params.size && *parsed.value->params.size > config_.max_message_bytes) {
    return reply(out, replies::message_too_long());
  }
  if (!config_.feedback) {
    if (std::optional<policy::smtp_reply> refused = hooks_.check_sender(parsed.value->sender, current_user()))
      return reply(out, *refused);
  }
  tx_ = transaction{std::move(parsed.value->sender), parsed.value->params, {}};
  reply(out, replies::sender_ok());
}

void session_machine::rcpt(const command& c, session_output& out) {
  if (!tx_) return protocol_error(out, replies::need_mail());
  rcpt_to_result parsed = parse_rcpt_to(c.argument, tx_->params.smtputf8);
  if (!parsed.value) return protocol_error(out, parsed.error);
  if (tx_->recipients.size() >= config_.max_recipients) return reply(out, replies::too_many_recipients());
  if (config_.feedback) {
    if (std::optional<policy::smtp_reply> refused = hooks_.check_recipient(*parsed.value)) return reply(out, *refused);
  }
  tx_->recipients.push_back(std::move(*parsed.value));
  reply(out, replies::recipient_ok());
}

void session_machine::data(const command& c, session_output& out) {
  out.flush = true;  // the client waits for 354 before sending content (RFC 2920 3.1)
  if (!c.argument.empty()) return protocol_error(out, replies::syntax("DATA"));
  if (!tx_) return protocol_error(out, replies::need_mail());
  if (tx_->recipients.empty()) return protocol_error(out, replies::need_rcpt());
  decoder_.emplace(config_.max_message_bytes, config_.bare_newline);
  headers_ = header_scanner(header_scanner::default_limit, tx_->params.smtputf8);
  phase_ = phase::data;
  reply(out, replies::start_data());
  out.action = session_action::begin_data;
  out.message = envelope();
}

void session_machine::starttls(const command& c, session_output& out) {
  out.flush = true;
  if (!c.argument.empty()) return protocol_error(out, replies::syntax("STARTTLS"));
  if (tls_active_) return protocol_error(out, replies::tls_already_active());
  if (config_.tls != policy::tls_mode::starttls) return protocol_error(out, replies::not_implemented());
  if (!greeted_) return protocol_error(out, replies::need_helo());
  if (tx_) return protocol_error(out, replies::transaction_in_progress());
  reply(out, replies::ready_for_tls());
  phase_ = phase::awaiting_tls;
  out.action = session_action::start_tls;
}

// ---- AUTH -------------------------------------------------------------------

void session_machine::auth(const command& c, session_output& out) {
  out.flush = true;
  if (!greeted_ || !esmtp_) return protocol_error(out, replies::need_helo());
  if (config_.auth != policy::auth_mode::password || config_.feedback)
    return protocol_error(out, replies::auth_not_enabled());
  if (!tls_active_) return protocol_error(out, replies::must_starttls());
  if (user_) return protocol_error(out, replies::already_authenticated());
  if (tx_) return protocol_error(out, replies::transaction_in_progress());
  std::size_t blank = c.argument.find_first_of(" \t");
  std::string_view mechanism = c.argument.substr(0, blank);
  std::optional<std::string_view> initial_response;
  if (blank != std::string_view::npos) {
    initial_response = c.argument.substr(c.argument.find_first_not_of(" \t", blank));
  }
  if (mechanism.empty()) return protocol_error(out, replies::syntax("AUTH mechanism"));
  std::optional<auth_step> step = auth_.start(mechanism, initial_response);
  if (!step) return protocol_error(out, replies::unknown_mechanism());
  auth_step_taken(std::move(*step), out);
}

void session_machine::auth_line(const command_line_reader::result& r, session_output& out) {
  out.flush = true;
  out.commands.emplace_back("(AUTH response ***)");
  if (r.what != command_line_reader::status::line) {
    auth_.reset();
    phase_ = phase::command;
    return protocol_error(out, r.what == command_line_reader::status::too_long ? replies::line_too_long()
                                                                               : replies::bare_cr_in_command());
  }
  auth_step_taken(auth_.respond(r.line), out);
}

void session_machine::auth_step_taken(auth_step step, session_output& out) {
  out.flush = true;
  phase_ = phase::command;
  switch (step.what) {
    case auth_step::kind::challenge:
      phase_ = phase::auth;
      return reply(out, replies::auth_challenge(step.challenge));
    case auth_step::kind::credentials:
      phase_ = phase::awaiting_auth;
      pending_user_ = step.credentials.user;
      out.credentials = std::move(step.credentials);
      out.action = session_action::verify_password;
      return;
    case auth_step::kind::cancelled:
      return protocol_error(out, replies::auth_cancelled());
    case auth_step::kind::undecodable:
      return protocol_error(out, replies::cannot_decode());
    case auth_step::kind::refused:
      return auth_failed(out);
  }
}

void session_machine::auth_failed(session_output& out) {
  ++auth_failures_;
  // Each failure is answered a little later than the one before: a guesser
  // gets few tries per connection and each costs more time.
  out.delay = config_.auth_failure_delay * auth_failures_;
  if (auth_failures_ >= config_.max_auth_failures) {
    reply(out, replies::too_many_auth_failures(config_.hostname));
    return close(out);
  }
  reply(out, replies::bad_credentials());
}

// ---- data phase -------------------------------------------------------------

void session_machine::data_input(std::string_view bytes, session_output& out) {
  data_decoder::result r = decoder_->put(bytes);
  out.consumed = r.consumed;
  out.data = r.decoded;
  headers_.feed(r.decoded);
  if (!r.ended) return;
  message_envelope e = envelope();
  e.headers = headers_.result();
  e.size = decoder_->message_bytes();
  from_check from = check_from(e.headers);
  e.from = from.from;
  // A report's From (often a bare MAILER-DAEMON) is not an identity to check.
  e.rejection = decoder_->rejection() ? decoder_->rejection() : config_.feedback ? std::nullopt : from.rejection;
  rejection_ = e.rejection;
  phase_ = phase::awaiting_message;
  out.action = session_action::message_complete;
  out.message = std::move(e);
}

}  // namespace mfrelay::relay::smtp
