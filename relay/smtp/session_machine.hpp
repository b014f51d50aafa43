// The SMTP server state machine without I/O: the driver (a coroutine owning
// the socket) feeds it bytes and the results of async steps; it answers with
// reply bytes and an action. One session's strand. All input is untrusted.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/email_address.hpp"
#include "policy/smtp_reply.hpp"
#include "relay/smtp/auth_exchange.hpp"
#include "relay/smtp/command.hpp"
#include "relay/smtp/command_line_reader.hpp"
#include "relay/smtp/data_decoder.hpp"
#include "relay/smtp/envelope_arguments.hpp"
#include "relay/smtp/header_scanner.hpp"
#include "relay/smtp/session_config.hpp"
#include "relay/smtp/session_hooks.hpp"
#include "relay/smtp/session_output.hpp"

namespace mfrelay::relay::smtp {

// The driver's contract, in order:
//   1. write greeting().replies.
//   2. loop while the connection lives:
//        if the buffer is empty: read (after writing every pending reply).
//        out = on_input(buffer)   (never with an empty buffer)
//        drop out.consumed octets from the front of the buffer;
//        append out.data to the message being stored (a view: use it before
//          the next call into the machine);
//        wait out.delay, then write out.replies (always before the next read);
//        act on out.action:
//          start_tls        clear the buffer (plaintext pipelined after STARTTLS
//                           must never be read), handshake (failure: close),
//                           then on_tls_started()
//          verify_password  check out.credentials off the strand, then on_auth_result()
//          begin_data       open the message's storage; out.message has the envelope
//                           (put the Received header first: received_header())
//          message_complete if out.message->rejection: drop the stored data;
//                           else decide policy and store durably; either way
//                           on_message_result(reply)
//          close            close the connection
//      The outputs of on_tls_started/on_auth_result/on_message_result are
//      handled the same way (delay, replies, action).
//   3. on an idle or data timeout: write on_timeout().replies and close.
//   4. when the server stops: between commands (never in the middle of DATA
//      or of an action), write on_shutdown().replies and close.
// Calling on_input while an action awaits its result is a driver bug (logic_error).
class session_machine {
 public:
  enum class auth_result { ok, invalid, temporary_failure };

  session_machine(session_config config, session_hooks& hooks);

  session_output greeting();
  session_output on_input(std::string_view bytes);
  // The handshake after start_tls succeeded: everything learnt before it
  // (EHLO, AUTH, the transaction) is forgotten, as RFC 3207 requires.
  session_output on_tls_started();
  session_output on_auth_result(auth_result result);
  // `reply` is the driver's answer to the message (e.g. replies::accepted(id)
  // once it is on disk, or a policy rejection). When the machine already found
  // the message bad (envelope.rejection), that rejection is sent instead,
  // whatever `reply` says.
  session_output on_message_result(const policy::smtp_reply& reply);
  session_output on_timeout();
  session_output on_shutdown();  // 421 4.3.2 <host> Service shutting down

  bool closed() const { return phase_ == phase::closed; }
  bool tls_active() const { return tls_active_; }
  bool esmtp() const { return esmtp_; }
  // The user AUTH established (password listeners), if any.
  const std::optional<std::string>& authenticated_user() const { return user_; }

 private:
  enum class phase { command, auth, awaiting_tls, awaiting_auth, data, awaiting_message, closed };
  struct transaction {
    std::optional<policy::email_address> sender;
    mail_parameters params;
    std::vector<policy::email_address> recipients;
  };

  void command_line(const command_line_reader::result& r, session_output& out);
  void auth_line(const command_line_reader::result& r, session_output& out);
  void data_input(std::string_view bytes, session_output& out);

  void hello(const command& c, session_output& out);
  void mail(const command& c, session_output& out);
  void rcpt(const command& c, session_output& out);
  void data(const command& c, session_output& out);
  void starttls(const command& c, session_output& out);
  void auth(const command& c, session_output& out);
  void auth_step_taken(auth_step step, session_output& out);
  void auth_failed(session_output& out);

  std::optional<policy::smtp_reply> mail_access_refusal() const;
  std::string current_user() const;
  message_envelope envelope() const;
  void reply(session_output& out, const policy::smtp_reply& r) const;
  void protocol_error(session_output& out, const policy::smtp_reply& r);
  void close(session_output& out);
  void require(phase expected, const char* call) const;

  session_config config_;
  session_hooks& hooks_;
  phase phase_ = phase::command;
  bool tls_active_;
  bool greeted_ = false;  // HELO or EHLO seen (since the last STARTTLS)
  bool esmtp_ = false;    // it was EHLO: extensions, enhanced status codes
  std::string helo_;
  std::optional<std::string> user_;  // AUTH succeeded as this user
  std::string pending_user_;         // AUTH is being verified for this user
  std::optional<transaction> tx_;
  std::optional<policy::smtp_reply> rejection_;  // of the message awaiting on_message_result
  std::uint32_t errors_ = 0;
  std::uint32_t auth_failures_ = 0;
  command_line_reader reader_;
  auth_exchange auth_;
  std::optional<data_decoder> decoder_;
  header_scanner headers_;
};

}  // namespace mfrelay::relay::smtp
