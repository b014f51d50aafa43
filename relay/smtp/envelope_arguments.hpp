// The arguments of MAIL FROM:<path> [params] and RCPT TO:<path> [params]:
// paths, the null reverse-path, ESMTP parameters. Pure, any thread. Parses
// client input; every refusal comes back as the SMTP reply to send.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "policy/email_address.hpp"
#include "policy/smtp_reply.hpp"

namespace mfrelay::relay::smtp {

enum class body_type { unspecified, seven_bit, eight_bit_mime };

struct mail_parameters {
  std::optional<std::uint64_t> size;  // SIZE=n as declared (RFC 1870)
  body_type body = body_type::unspecified;
  bool smtputf8 = false;              // RFC 6531
};

struct mail_from_argument {
  std::optional<policy::email_address> sender;  // nullopt: the null reverse-path <>
  mail_parameters params;
};

struct mail_from_result {
  std::optional<mail_from_argument> value;
  policy::smtp_reply error;  // when value is empty
};

struct rcpt_to_result {
  std::optional<policy::email_address> value;
  policy::smtp_reply error;
};

// `argument` is what follows "MAIL": "FROM:<a@b.example> SIZE=100". Accepted
// parameters: SIZE=n, BODY=7BIT|8BITMIME, SMTPUTF8, AUTH=<anything> (RFC 4954,
// ignored). Refused: source routes, addresses policy::parse_email_address
// refuses, non-ASCII addresses without SMTPUTF8, unknown parameters.
mail_from_result parse_mail_from(std::string_view argument);

// `argument` is what follows "RCPT": "TO:<a@b.example>". No parameters are
// supported; `smtputf8` says whether MAIL declared SMTPUTF8.
rcpt_to_result parse_rcpt_to(std::string_view argument, bool smtputf8);

}  // namespace mfrelay::relay::smtp
