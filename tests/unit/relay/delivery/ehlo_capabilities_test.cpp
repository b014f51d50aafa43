// parse_ehlo: the extensions the delivery client uses, from real servers' EHLO replies.
#include "relay/delivery/ehlo_capabilities.hpp"

#include <doctest/doctest.h>

#include "relay/delivery/reply_parser.hpp"

namespace mfrelay::relay {
namespace {

ehlo_capabilities caps(std::string_view reply) {
  auto parsed = parse_reply(reply);
  REQUIRE(parsed.status == reply_status::complete);
  return parse_ehlo(parsed.reply);
}

TEST_CASE("parse_ehlo: keywords, case-insensitive, SIZE with and without a value") {
  auto postfix = caps(
      "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n"
      "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250 SMTPUTF8\r\n");
  CHECK(postfix == ehlo_capabilities{.pipelining = true,
                                     .starttls = true,
                                     .eight_bit_mime = true,
                                     .smtputf8 = true,
                                     .size = true,
                                     .size_limit = 10240000});

  auto sink = caps("250-smtp-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-AUTH PLAIN LOGIN\r\n250 \r\n");
  CHECK(sink == ehlo_capabilities{.pipelining = true, .eight_bit_mime = true, .auth_plain = true, .auth_login = true});

  // RFC 4954 AUTH, and the pre-standard "AUTH=" spelling; unknown mechanisms ignored.
  auto exchange = caps("250-x\r\n250-AUTH=LOGIN\r\n250 auth GSSAPI NTLM\r\n");
  CHECK(exchange == ehlo_capabilities{.auth_login = true});
  auto only_plain = caps("250-x\r\n250 AUTH CRAM-MD5 PLAIN\r\n");
  CHECK(only_plain == ehlo_capabilities{.auth_plain = true});

  auto lower = caps("250-x\r\n250-pipelining\r\n250-starttls\r\n250 size\r\n");
  CHECK(lower == ehlo_capabilities{.pipelining = true, .starttls = true, .size = true, .size_limit = 0});
}

TEST_CASE("parse_ehlo: the greeting line is not a keyword; junk is ignored") {
  CHECK(caps("250 PIPELINING\r\n") == ehlo_capabilities{});  // one line: only the server's name
  CHECK(caps("250-x\r\n250-SIZE lots\r\n250-SIZE 12abc\r\n250 PIPELININGX\r\n") ==
        ehlo_capabilities{.size = true, .size_limit = 0});
  CHECK(caps("250-x\r\n250 SIZE 99999999999999999999999\r\n") == ehlo_capabilities{.size = true, .size_limit = 0});
}

}  // namespace
}  // namespace mfrelay::relay
