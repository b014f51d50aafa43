// Reply rendering: enhanced codes on and off, the normaliser's fixes (class,
// malformed status, bad codes), multi-line replies, no CR/LF from client text,
// the 512-octet line limit.
#include <doctest/doctest.h>

#include <string>

#include "relay/smtp/reply_renderer.hpp"

namespace mfrelay::relay::smtp {
namespace {

TEST_CASE("render_reply with and without enhanced status codes, normalised") {
  struct row {
    policy::smtp_reply reply;
    bool enhanced;
    std::string wire;
  };
  const row rows[] = {
      {{250, "2.0.0", "Ok"}, true, "250 2.0.0 Ok\r\n"},
      {{250, "2.0.0", "Ok"}, false, "250 Ok\r\n"},
      {{530, "5.7.0", "Authentication required"}, false, "530 Authentication required\r\n"},
      {{553, "5.1.7", "<a!b> Invalid email address"}, true, "553 5.1.7 <a!b> Invalid email address\r\n"},
      // No enhanced status given: none is invented.
      {{250, "", "mx.test"}, true, "250 mx.test\r\n"},
      // 3xx replies never carry one (RFC 2034), even if given.
      {{354, "2.0.0", "End data with <CR><LF>.<CR><LF>"}, true, "354 End data with <CR><LF>.<CR><LF>\r\n"},
      {{334, "", ""}, true, "334 \r\n"},
      // The class digit follows the code (Postfix: the code came first).
      {{550, "4.7.1", "No"}, true, "550 5.7.1 No\r\n"},
      {{451, "5.3.0", "Later"}, true, "451 4.3.0 Later\r\n"},
      {{250, "5.0.0", "Ok"}, true, "250 2.0.0 Ok\r\n"},
      // Malformed enhanced status: the class default.
      {{250, "2.0", "Ok"}, true, "250 2.0.0 Ok\r\n"},
      {{550, "5.1234.1", "No"}, true, "550 5.0.0 No\r\n"},
      {{550, "x.1.1", "No"}, true, "550 5.0.0 No\r\n"},
      {{550, "5.1.1 ", "No"}, true, "550 5.0.0 No\r\n"},
      {{452, "4.5.3", "Too many recipients"}, true, "452 4.5.3 Too many recipients\r\n"},
      // Codes outside 200..599 never reach the wire.
      {{999, "9.9.9", "odd"}, true, "451 4.3.5 Error: server configuration error\r\n"},
      {{150, "", "odd"}, false, "451 Error: server configuration error\r\n"},
      {{0, "", ""}, true, "451 4.3.5 Error: server configuration error\r\n"},
      // Control characters from client text (an address) cannot end the line early.
      {{553, "5.1.7", "<a\r\nRCPT TO:<b@x>> Invalid email address"}, true,
       "553 5.1.7 <a  RCPT TO:<b@x>> Invalid email address\r\n"},
      {{553, "5.1.7", std::string("a\0b\tc\x7f", 6)}, true, "553 5.1.7 a b c \r\n"},
      // UTF-8 (SMTPUTF8 addresses) is kept.
      {{553, "5.1.3", "<jos\xc3\xa9@x> address unknown"}, true, "553 5.1.3 <jos\xc3\xa9@x> address unknown\r\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.reply.code);
    CAPTURE(r.reply.text);
    CHECK(render_reply(r.reply, r.enhanced) == r.wire);
  }
}

TEST_CASE("a reply line is cut to 512 octets including CRLF, on a UTF-8 boundary") {
  for (bool enhanced : {true, false}) {
    CAPTURE(enhanced);
    std::string line = render_reply({554, "5.7.1", std::string(600, 'x')}, enhanced);
    CHECK(line.size() == 512);
    CHECK(line.substr(510) == "\r\n");
    CHECK(line.find('\r') == 510);

    std::string e_acute;
    for (int i = 0; i < 300; ++i) e_acute += "\xc3\xa9";
    line = render_reply({554, "5.7.1", e_acute}, enhanced);
    CHECK(line.size() <= 512);
    REQUIRE(line.size() >= 4);
    CHECK(line.substr(line.size() - 2) == "\r\n");
    // The last text octet completes a two-octet sequence.
    CHECK(static_cast<unsigned char>(line[line.size() - 3]) == 0xa9);
    CHECK(static_cast<unsigned char>(line[line.size() - 4]) == 0xc3);
  }
  // Exactly 512 stays whole.
  std::string text(512 - 2 - 4, 'y');  // "554 " + text + CRLF
  CHECK(render_reply({554, "", text}, false) == "554 " + text + "\r\n");
}

TEST_CASE("multi-line replies use CODE- for all but the last line") {
  CHECK(render_multiline_reply(250, "", {"mx.test", "PIPELINING", "SIZE 10"}, true) ==
        "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 10\r\n");
  CHECK(render_multiline_reply(250, "2.0.0", {"a", "b"}, true) == "250-2.0.0 a\r\n250 2.0.0 b\r\n");
  CHECK(render_multiline_reply(250, "2.0.0", {"a", "b"}, false) == "250-a\r\n250 b\r\n");
  CHECK(render_multiline_reply(550, "4.0.0", {"a\nb", "c"}, true) == "550-5.0.0 a b\r\n550 5.0.0 c\r\n");
  CHECK(render_multiline_reply(250, "", {"only"}, true) == "250 only\r\n");
  CHECK(render_multiline_reply(250, "", {}, true) == "250 \r\n");
}

TEST_CASE("normalize_reply keeps valid replies as they are") {
  policy::smtp_reply r{554, "5.7.1", "Message rejected: MailFromDomainNotVerified. x"};
  CHECK(normalize_reply(r) == r);
  CHECK(normalize_reply({421, "4.7.0", "mx Error: too many errors"}).enhanced == "4.7.0");
  CHECK(normalize_reply({550, "5.7.123", "x"}).enhanced == "5.7.123");
}

}  // namespace
}  // namespace mfrelay::relay::smtp
