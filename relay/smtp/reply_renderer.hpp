// The one normaliser every SMTP reply passes through on its way to the wire
// (Postfix smtpd_check_reject style): code range, enhanced-status class, line
// length, no control characters. Pure, any thread. Texts may echo client input.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "policy/smtp_reply.hpp"

namespace mfrelay::relay::smtp {

// RFC 5321 4.5.3.1.5: a reply line is at most 512 octets including CRLF.
inline constexpr std::size_t max_reply_line = 512;

// Fixes what the wire must never see: a code outside 200..599 becomes a 451
// "server configuration error"; an enhanced status whose class digit differs
// from the code's first digit takes the code's class (the code came first); a
// malformed enhanced status becomes "X.0.0"; 3xx replies carry none (RFC 2034).
// The text is left alone: render_reply() sanitises it.
policy::smtp_reply normalize_reply(policy::smtp_reply reply);

// "CODE ENH TEXT\r\n" (ENH only when `enhanced_codes` and the reply has one).
// Control characters, CR and LF included, become spaces; the line is cut at
// 512 octets on a UTF-8 boundary.
std::string render_reply(const policy::smtp_reply& reply, bool enhanced_codes);

// "CODE-ENH line\r\n" for all but the last line, "CODE ENH line\r\n" for the last.
std::string render_multiline_reply(int code, std::string_view enhanced,
                                   const std::vector<std::string>& lines, bool enhanced_codes);

}  // namespace mfrelay::relay::smtp
