// Session limits and PIPELINING: the error limit and its 421, over-long and
// broken command lines, timeouts, and where the machine stops to flush.
#include <doctest/doctest.h>

#include "session_driver.hpp"

namespace mfrelay::relay::smtp::test {
namespace {

TEST_CASE("max_errors protocol errors end the session with 421") {
  session_config c = implicit_password();
  c.max_errors = 3;
  session_driver s(c);
  s.send("EHLO c\r\n");
  CHECK(s.send("FOO\r\n") == "500 5.5.2 Error: command not recognized\r\n");
  CHECK(s.send("RCPT TO:<b@example.org>\r\n") == "503 5.5.1 Error: need MAIL command\r\n");
  CHECK(s.send("MAIL FROM:<a@example.com>\r\nNOOP\r\n") ==
        "530 5.7.0 Authentication required\r\n421 4.7.0 mx.test Error: too many errors\r\n");
  CHECK(s.closed);
}

TEST_CASE("limits that are not protocol errors do not count") {
  session_config c = implicit_password();
  c.max_errors = 2;
  c.max_recipients = 1;
  session_driver s(c);
  s.login();
  s.hooks.answer = policy::smtp_reply{554, "5.7.1", "no"};
  s.send("MAIL FROM:<a@example.com>\r\n");
  s.send("MAIL FROM:<a@example.com>\r\n");
  s.hooks.answer.reset();
  s.send("MAIL FROM:<a@example.com> SIZE=999999999999\r\n");
  s.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n");
  CHECK(s.send("RCPT TO:<c@example.org>\r\n") == "452 4.5.3 Too many recipients\r\n");
  CHECK(s.send("RCPT TO:<c@example.org>\r\n") == "452 4.5.3 Too many recipients\r\n");
  CHECK_FALSE(s.closed);
}

TEST_CASE("an over-long command line gets 500 and the next line is read normally") {
  session_driver s(implicit_password());
  s.send("EHLO c\r\n");
  CHECK(s.send("MAIL FROM:<" + std::string(600, 'a') + "@example.com>\r\nNOOP\r\n") ==
        "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
  CHECK(s.send("NOOP " + std::string(505, 'x') + "\r\n") == "250 2.0.0 Ok\r\n");  // 512 with CRLF
}

TEST_CASE("a bare CR in a command line is refused; bare LF ends a command") {
  session_driver s(implicit_password());
  CHECK(s.send("EHLO c\rMAIL FROM:<a@example.com>\r\n") == "500 Error: bare <CR> received\r\n");
  CHECK(s.send("EHLO c\nNOOP\n") ==
        "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 41943040\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
        "250-SMTPUTF8\r\n250 AUTH PLAIN LOGIN\r\n250 2.0.0 Ok\r\n");
}

TEST_CASE("a timeout is answered with 421 and closes") {
  session_driver s(implicit_password());
  s.login();
  s.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\npartial");
  CHECK(s.handle(s.machine.on_timeout()));
  const std::string timeout = "421 4.4.2 mx.test Error: timeout exceeded\r\n";
  CHECK(s.replies.substr(s.replies.size() - timeout.size()) == timeout);
  CHECK(s.closed);
  CHECK(s.messages.empty());
}

TEST_CASE("a stopping server says 421 4.3.2 and closes; without EHLO, without the enhanced code") {
  session_driver s(implicit_password());
  s.login();
  CHECK(s.handle(s.machine.on_shutdown()));
  const std::string bye = "421 4.3.2 mx.test Service shutting down\r\n";
  CHECK(s.replies.substr(s.replies.size() - bye.size()) == bye);
  CHECK(s.closed);

  session_driver helo(implicit_password());
  helo.send("HELO c\r\n");
  CHECK(helo.handle(helo.machine.on_shutdown()));
  CHECK(helo.replies.ends_with("\r\n421 mx.test Service shutting down\r\n"));
  CHECK(helo.closed);
}

TEST_CASE("PIPELINING: the machine stops after commands that end a group, and only there") {
  struct row {
    std::string first;
    bool stops;
  };
  const row rows[] = {
      {"EHLO c", true},   {"HELO c", true},   {"NOOP", true},
      {"VRFY x", true},   {"HELP", true},     {"QUIT", true},
      {"AUTH LOGIN", true}, {"STARTTLS", true}, {"DATA", true},
      {"MAIL FROM:<a@example.com>", false}, {"RCPT TO:<b@example.org>", false},
      {"RSET", false},    {"FOO", false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.first);
    session_config c = network_listener("local-apps", policy::tls_mode::starttls);
    recording_hooks hooks;
    session_machine m(c, hooks);
    m.on_input("EHLO c\r\n");
    if (r.first == "DATA") m.on_input("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n");
    if (r.first.rfind("RCPT", 0) == 0) m.on_input("MAIL FROM:<a@example.com>\r\n");
    const std::string input = r.first + "\r\nRSET\r\n";
    session_output out = m.on_input(input);
    if (r.stops) {
      CHECK(out.consumed == r.first.size() + 2);
      CHECK((out.flush || out.action == session_action::close));
    } else {
      CHECK(out.consumed == input.size());  // the RSET behind it was handled in the same call
      CHECK(out.replies.substr(out.replies.size() - 14) == "250 2.0.0 Ok\r\n");
    }
  }
}

TEST_CASE("pipelined replies come out together and in order") {
  session_driver s(implicit_password());
  s.login();
  session_output out = s.machine.on_input(
      "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<a!b>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n");
  CHECK(out.replies ==
        "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n553 5.1.3 <a!b> address unknown\r\n250 2.1.5 Ok\r\n"
        "354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(out.action == session_action::begin_data);
  REQUIRE(out.message);
  CHECK(out.message->recipients.size() == 2);
}

}  // namespace
}  // namespace mfrelay::relay::smtp::test
