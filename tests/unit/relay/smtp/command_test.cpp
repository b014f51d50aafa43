// Verb recognition and the loggable form of command lines (AUTH masked).
#include <doctest/doctest.h>

#include <string>

#include "relay/smtp/command.hpp"

namespace mfrelay::relay::smtp {
namespace {

TEST_CASE("parse_command: case-insensitive verbs, arguments trimmed") {
  struct row {
    std::string line;
    verb what;
    std::string argument;
  };
  const row rows[] = {
      {"EHLO client.example", verb::ehlo, "client.example"},
      {"ehlo client.example", verb::ehlo, "client.example"},
      {"HeLo x", verb::helo, "x"},
      {"HELO\tx", verb::helo, "x"},
      {"MAIL FROM:<a@b.example> SIZE=10", verb::mail, "FROM:<a@b.example> SIZE=10"},
      {"MAIL  FROM:<a@b.example>  ", verb::mail, "FROM:<a@b.example>"},
      {"rcpt TO:<a@b.example>", verb::rcpt, "TO:<a@b.example>"},
      {"DATA", verb::data, ""},
      {"RSET", verb::rset, ""},
      {"NOOP anything", verb::noop, "anything"},
      {"QUIT", verb::quit, ""},
      {"VRFY postmaster", verb::vrfy, "postmaster"},
      {"HELP", verb::help, ""},
      {"STARTTLS", verb::starttls, ""},
      {"AUTH PLAIN AGEAYg==", verb::auth, "PLAIN AGEAYg=="},
      {"GET / HTTP/1.1", verb::forbidden, "/ HTTP/1.1"},
      {"POST /x HTTP/1.0", verb::forbidden, "/x HTTP/1.0"},
      {"CONNECT mx:25 HTTP/1.1", verb::forbidden, "mx:25 HTTP/1.1"},
      {"EXPN list", verb::unknown, "list"},
      {"MAILX FROM:<a@b>", verb::unknown, "FROM:<a@b>"},
      {"MAIL:FROM:<a@b>", verb::unknown, ""},
      {"", verb::unknown, ""},
      {" EHLO x", verb::unknown, "EHLO x"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.line);
    command c = parse_command(r.line);
    CHECK(c.what == r.what);
    CHECK(c.argument == r.argument);
  }
}

TEST_CASE("describe_command never shows an AUTH payload") {
  CHECK(describe_command("AUTH PLAIN AGFwcDEAc2VjcmV0") == "AUTH PLAIN ***");
  CHECK(describe_command("auth login dXNlcg==") == "auth login ***");
  CHECK(describe_command("AUTH LOGIN") == "AUTH LOGIN");
  CHECK(describe_command("AUTH  PLAIN   AGFwcDEAc2VjcmV0  ") == "AUTH PLAIN ***");
  CHECK(describe_command("MAIL FROM:<a@b.example>") == "MAIL FROM:<a@b.example>");
  CHECK(describe_command(std::string("EHLO a\0b\x1b", 9)) == "EHLO a?b?");
  CHECK(describe_command(std::string(600, 'x')).size() == 512);
}

}  // namespace
}  // namespace mfrelay::relay::smtp
