// The synchronous questions the SMTP state machine asks its owner, so that
// policy stays outside it. Called on the session's strand, from inside
// session_machine calls; an implementation must not call back into the machine.
#pragma once
#include <optional>
#include <string_view>

#include "policy/email_address.hpp"
#include "policy/smtp_reply.hpp"

namespace mfrelay::relay::smtp {

class session_hooks {
 public:
  virtual ~session_hooks() = default;

  // At MAIL, once the command is valid and the client is authenticated:
  // nullopt accepts the sender, a reply refuses it (sent as it is, after
  // normalisation). `sender` is nullopt for the null reverse-path <>; `user` is
  // the authenticated (or network) user.
  virtual std::optional<policy::smtp_reply> check_sender(const std::optional<policy::email_address>& sender,
                                                         std::string_view user) = 0;

  // At RCPT on a feedback listener only (session_config::feedback): nullopt
  // accepts the recipient, a reply refuses it. Submission never asks.
  virtual std::optional<policy::smtp_reply> check_recipient(const policy::email_address& /*recipient*/) {
    return std::nullopt;
  }
};

}  // namespace mfrelay::relay::smtp
