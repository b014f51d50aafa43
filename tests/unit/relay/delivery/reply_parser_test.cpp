// parse_reply: one reply at a time from the bytes a server sent, tables of good,
// partial and hostile input.
#include "relay/delivery/reply_parser.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace mfrelay::relay {
namespace {

TEST_CASE("parse_reply: complete replies") {
  struct row {
    std::string input;
    int code;
    std::string enhanced;
    std::vector<std::string> lines;
    std::string summary;
  };
  const std::vector<row> rows = {
      {"220 smtp.example ESMTP\r\n", 220, "", {"smtp.example ESMTP"}, "220 smtp.example ESMTP"},
      {"250 2.0.0 Ok: queued as 4Xz\r\n", 250, "2.0.0", {"2.0.0 Ok: queued as 4Xz"}, "250 2.0.0 Ok: queued as 4Xz"},
      {"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
       250,
       "",
       {"sink", "PIPELINING", "8BITMIME"},
       "250 sink PIPELINING 8BITMIME"},
      {"550-5.1.1 The email account\r\n550-5.1.1 does not\r\n550 5.1.1 exist.\r\n",
       550,
       "5.1.1",
       {"5.1.1 The email account", "5.1.1 does not", "5.1.1 exist."},
       "550 5.1.1 The email account does not exist."},
      {"250\r\n", 250, "", {""}, "250"},
      {"250 \r\n", 250, "", {""}, "250"},
      {"354 End data with <CR><LF>.<CR><LF>\r\n",
       354,
       "",
       {"End data with <CR><LF>.<CR><LF>"},
       "354 End data with <CR><LF>.<CR><LF>"},
      {"421 4.4.2 closing\n", 421, "4.4.2", {"4.4.2 closing"}, "421 4.4.2 closing"},  // bare LF, tolerated
      // An enhanced code of the wrong class is text, not a status.
      {"550 4.2.2 odd\r\n", 550, "", {"4.2.2 odd"}, "550 4.2.2 odd"},
      {"250 2.1.5x not a code\r\n", 250, "", {"2.1.5x not a code"}, "250 2.1.5x not a code"},
      // Unprintable bytes never reach logs or events.
      {"550 bad\x01 \xc3\xa9 text\r\n", 550, "", {"bad? ?? text"}, "550 bad? ?? text"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.input);
    auto result = parse_reply(r.input);
    REQUIRE(result.status == reply_status::complete);
    CHECK(result.consumed == r.input.size());
    CHECK(result.reply.code == r.code);
    CHECK(result.reply.enhanced == r.enhanced);
    CHECK(result.reply.lines == r.lines);
    CHECK(result.reply.summary() == r.summary);
  }
}

TEST_CASE("parse_reply: stops after the first reply; the rest stays for the next call") {
  std::string input = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go";
  auto first = parse_reply(input);
  REQUIRE(first.status == reply_status::complete);
  CHECK(first.consumed == 14);
  auto second = parse_reply(std::string_view(input).substr(first.consumed));
  REQUIRE(second.status == reply_status::complete);
  CHECK(second.reply.enhanced == "2.1.5");
  auto third = parse_reply(std::string_view(input).substr(first.consumed + second.consumed));
  CHECK(third.status == reply_status::need_more);
  CHECK(third.consumed == 0);
}

TEST_CASE("parse_reply: incomplete input asks for more") {
  for (std::string input : {"", "2", "250", "250 Ok", "250 Ok\r", "250-first\r\n", "250-first\r\n250 la"}) {
    CAPTURE(input);
    CHECK(parse_reply(input).status == reply_status::need_more);
  }
}

TEST_CASE("parse_reply: what is not SMTP is malformed") {
  for (std::string input : {"hello\r\n", "25 short\r\n", "2500 Ok\r\n", "250_Ok\r\n", "650 no such class\r\n",
                            "150 no such class\r\n", "250-first\r\n251 other code\r\n", "\r\n", "abc\r\n"}) {
    CAPTURE(input);
    CHECK(parse_reply(input).status == reply_status::malformed);
  }
}

TEST_CASE("parse_reply: size limits bound what a server can make us hold") {
  reply_limits limits{.max_line = 16, .max_lines = 3};
  CHECK(parse_reply("250 " + std::string(30, 'x'), limits).status == reply_status::malformed);  // no LF yet, too long
  CHECK(parse_reply("250 " + std::string(30, 'x') + "\r\n", limits).status == reply_status::malformed);
  CHECK(parse_reply("250-a\r\n250-b\r\n250-c\r\n250 d\r\n", limits).status == reply_status::malformed);
  CHECK(parse_reply("250-a\r\n250-b\r\n250 c\r\n", limits).status == reply_status::complete);
}

}  // namespace
}  // namespace mfrelay::relay
