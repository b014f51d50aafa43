// What one SMTP session needs to know about its listener and limits. Plain
// values, filled by the driver from policy::config and the accepted socket.
// Any thread (copied into each session_machine).
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "policy/config.hpp"

namespace mfrelay::relay::smtp {

struct session_config {
  std::string hostname = "localhost";  // banner, EHLO, 421 texts
  policy::tls_mode tls = policy::tls_mode::starttls;
  policy::auth_mode auth = policy::auth_mode::password;
  // A feedback listener: no AUTH, any sender (<> included) without check_sender,
  // and every recipient goes through session_hooks::check_recipient.
  bool feedback = false;
  bool tls_active = false;  // TLS is on now (always taken as true when tls == implicit)
  // auth = network: the user whose networks hold the client address, or
  // nullopt when none does (then MAIL is refused).
  std::optional<std::string> network_user;
  std::uint64_t max_message_bytes = 41'943'040;
  std::uint32_t max_recipients = 50;
  std::uint32_t max_errors = 10;        // protocol errors before 421 and close
  std::uint32_t max_auth_failures = 5;  // failed AUTH attempts before 421 and close
  policy::bare_newline_mode bare_newline = policy::bare_newline_mode::reject;
  // The n-th failed AUTH is answered after n times this (slows password guessing).
  std::chrono::milliseconds auth_failure_delay{1000};
};

}  // namespace mfrelay::relay::smtp
