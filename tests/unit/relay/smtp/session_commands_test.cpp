// The session machine's command replies: greeting, EHLO capabilities per
// listener, HELO, enhanced codes only after EHLO, the simple commands, the
// transaction sequence, MAIL/RCPT replies, the check_sender hook, logging.
#include <doctest/doctest.h>

#include "session_driver.hpp"

namespace mfrelay::relay::smtp::test {
namespace {

const std::string ehlo_base =
    "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 41943040\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n";

TEST_CASE("greeting") {
  session_driver s(starttls_password());
  CHECK(s.replies == "220 mx.test ESMTP mfrelay\r\n");
}

TEST_CASE("EHLO lists STARTTLS only before TLS on a starttls listener, AUTH only under TLS on a password listener") {
  {
    session_driver s(starttls_password());
    CHECK(s.send("EHLO client.example\r\n") == ehlo_base + "250-SMTPUTF8\r\n250 STARTTLS\r\n");
    s.send("STARTTLS\r\n");
    CHECK(s.send("EHLO client.example\r\n") == ehlo_base + "250-SMTPUTF8\r\n250 AUTH PLAIN LOGIN\r\n");
  }
  {
    session_driver s(implicit_password());
    CHECK(s.send("EHLO client.example\r\n") == ehlo_base + "250-SMTPUTF8\r\n250 AUTH PLAIN LOGIN\r\n");
  }
  {
    session_driver s(network_listener("local-apps"));
    CHECK(s.send("EHLO client.example\r\n") == ehlo_base + "250 SMTPUTF8\r\n");
  }
  {
    session_driver s(network_listener("local-apps", policy::tls_mode::starttls));
    CHECK(s.send("EHLO client.example\r\n") == ehlo_base + "250-SMTPUTF8\r\n250 STARTTLS\r\n");
  }
  {
    session_config c = implicit_password();
    c.tls_active = false;  // implicit TLS is on from the start regardless
    session_driver s(c);
    CHECK(s.send("EHLO client.example\r\n") == ehlo_base + "250-SMTPUTF8\r\n250 AUTH PLAIN LOGIN\r\n");
  }
  {
    session_config c = implicit_password();
    c.max_message_bytes = 10485760;
    session_driver s(c);
    CHECK(s.send("EHLO c\r\n").find("250-SIZE 10485760\r\n") != std::string::npos);
  }
}

TEST_CASE("enhanced status codes appear only after EHLO") {
  session_driver s(implicit_password());
  CHECK(s.send("NOOP\r\n") == "250 Ok\r\n");
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "503 Error: send HELO/EHLO first\r\n");
  CHECK(s.send("HELO client.example\r\n") == "250 mx.test\r\n");
  CHECK(s.send("NOOP\r\n") == "250 Ok\r\n");
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "530 Authentication required\r\n");
  s.send("EHLO client.example\r\n");
  CHECK(s.send("NOOP\r\n") == "250 2.0.0 Ok\r\n");
  CHECK(s.send("HELO client.example\r\n") == "250 mx.test\r\n");
  CHECK(s.send("NOOP\r\n") == "250 Ok\r\n");
}

TEST_CASE("EHLO and HELO need an argument") {
  session_driver s(implicit_password());
  CHECK(s.send("EHLO\r\n") == "501 Syntax: EHLO hostname\r\n");
  CHECK(s.send("HELO\r\n") == "501 Syntax: HELO hostname\r\n");
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "503 Error: send HELO/EHLO first\r\n");
}

TEST_CASE("simple commands after EHLO") {
  struct row {
    std::string line, reply;
  };
  const row rows[] = {
      {"NOOP", "250 2.0.0 Ok\r\n"},
      {"NOOP whatever", "250 2.0.0 Ok\r\n"},
      {"RSET", "250 2.0.0 Ok\r\n"},
      {"RSET x", "501 5.5.4 Syntax: RSET\r\n"},
      {"VRFY someone@example.com", "252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery\r\n"},
      {"VRFY", "501 5.5.4 Syntax: VRFY address\r\n"},
      {"HELP", "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH\r\n"},
      {"EXPN staff", "500 5.5.2 Error: command not recognized\r\n"},
      {"BDAT 10 LAST", "500 5.5.2 Error: command not recognized\r\n"},
      {"RCPT TO:<b@example.org>", "503 5.5.1 Error: need MAIL command\r\n"},
      {"DATA", "503 5.5.1 Error: need MAIL command\r\n"},
      {"DATA now", "501 5.5.4 Syntax: DATA\r\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.line);
    session_driver s(implicit_password());
    s.login();
    CHECK(s.send(r.line + "\r\n") == r.reply);
    CHECK_FALSE(s.closed);
  }
}

TEST_CASE("QUIT answers 221 and closes; nothing after it is read") {
  session_driver s(implicit_password());
  s.send("EHLO c\r\n");
  CHECK(s.send("QUIT\r\nNOOP\r\n") == "221 2.0.0 Bye\r\n");
  CHECK(s.closed);
  CHECK(s.machine.closed());
  session_output out = s.machine.on_input("NOOP\r\n");
  CHECK(out.replies.empty());
  CHECK(out.action == session_action::close);
}

TEST_CASE("an HTTP request on the SMTP port ends the session at once") {
  session_driver s(starttls_password());
  CHECK(s.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == "221 Error: I can break rules, too. Goodbye.\r\n");
  CHECK(s.closed);
}

TEST_CASE("the transaction sequence: MAIL, nested MAIL, RCPT, DATA without RCPT, RSET, EHLO") {
  session_driver s(implicit_password());
  s.login();
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "250 2.1.0 Ok\r\n");
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "503 5.5.1 Error: nested MAIL command\r\n");
  CHECK(s.send("DATA\r\n") == "503 5.5.1 Error: need RCPT command\r\n");
  CHECK(s.send("RCPT TO:<b@example.org>\r\n") == "250 2.1.5 Ok\r\n");
  CHECK(s.send("RSET\r\n") == "250 2.0.0 Ok\r\n");
  CHECK(s.send("RCPT TO:<b@example.org>\r\n") == "503 5.5.1 Error: need MAIL command\r\n");
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "250 2.1.0 Ok\r\n");
  s.send("EHLO again.example\r\n");  // ends the transaction, keeps AUTH
  CHECK(s.send("RCPT TO:<b@example.org>\r\n") == "503 5.5.1 Error: need MAIL command\r\n");
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "250 2.1.0 Ok\r\n");
  CHECK(s.machine.authenticated_user() == std::optional<std::string>("app1"));
}

TEST_CASE("MAIL and RCPT replies through the session") {
  struct row {
    std::string mail, rcpt, mail_reply, rcpt_reply;
  };
  const row rows[] = {
      {"MAIL FROM:a@example.com", "", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n", ""},
      {"MAIL FROM:<a!b>", "", "553 5.1.7 <a!b> Invalid email address\r\n", ""},
      {"MAIL FROM:<a@example.com> FOO=1", "", "555 5.5.4 Unsupported option: FOO=1\r\n", ""},
      {"MAIL FROM:<a@example.com> SIZE=41943041", "", "552 5.3.4 Message is too long.\r\n", ""},
      {"MAIL FROM:<jos\xc3\xa9@example.com>", "", "553 5.6.7 Must declare SMTPUTF8 to send unicode address\r\n", ""},
      {"MAIL FROM:<a@example.com> SIZE=41943040", "RCPT TO:<b@example.org>", "250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n"},
      {"MAIL FROM:<>", "RCPT TO:<b@example.org>", "250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n"},
      {"MAIL FROM:<a@example.com>", "RCPT TO:b@example.org", "250 2.1.0 Ok\r\n", "501 5.5.4 Syntax: RCPT TO:<address>\r\n"},
      {"MAIL FROM:<a@example.com>", "RCPT TO:<a!b>", "250 2.1.0 Ok\r\n", "553 5.1.3 <a!b> address unknown\r\n"},
      {"MAIL FROM:<a@example.com>", "RCPT TO:<jos\xc3\xa9@example.org>", "250 2.1.0 Ok\r\n",
       "553 5.6.7 Must declare SMTPUTF8 to send unicode address\r\n"},
      {"MAIL FROM:<a@example.com> SMTPUTF8", "RCPT TO:<jos\xc3\xa9@example.org>", "250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n"},
      // RFC 6531: U-label domains, in RCPT and in MAIL.
      {"MAIL FROM:<a@example.com> SMTPUTF8", "RCPT TO:<u@d\xc3\xa9st.test>", "250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n"},
      {"MAIL FROM:<a@d\xc3\xa9st.test> SMTPUTF8", "RCPT TO:<b@example.org>", "250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.mail);
    session_driver s(implicit_password());
    s.login();
    CHECK(s.send(r.mail + "\r\n") == r.mail_reply);
    if (!r.rcpt.empty()) CHECK(s.send(r.rcpt + "\r\n") == r.rcpt_reply);
  }
}

TEST_CASE("check_sender sees the sender and user; its refusal is the MAIL reply") {
  session_driver s(implicit_password());
  s.login();
  s.hooks.answer = policy::smtp_reply{554, "5.7.1",
                                      "Message rejected: Email address is not verified. The following identities "
                                      "failed the check in region US-WEST-2: a@example.com"};
  CHECK(s.send("MAIL FROM:<a@Example.com>\r\n") ==
        "554 5.7.1 Message rejected: Email address is not verified. The following identities failed the check in "
        "region US-WEST-2: a@example.com\r\n");
  REQUIRE(s.hooks.calls.size() == 1);
  CHECK(s.hooks.calls[0].sender->str() == "a@example.com");
  CHECK(s.hooks.calls[0].user == "app1");
  CHECK(s.send("RCPT TO:<b@example.org>\r\n") == "503 5.5.1 Error: need MAIL command\r\n");

  s.hooks.answer.reset();
  CHECK(s.send("MAIL FROM:<>\r\n") == "250 2.1.0 Ok\r\n");
  REQUIRE(s.hooks.calls.size() == 2);
  CHECK_FALSE(s.hooks.calls[1].sender);
}

TEST_CASE("check_sender is not asked when MAIL fails earlier") {
  session_driver s(implicit_password());
  s.login();
  s.send("MAIL FROM:<a!b>\r\n");
  s.send("MAIL FROM:<a@example.com> SIZE=99999999999\r\n");
  CHECK(s.hooks.calls.empty());
}

TEST_CASE("logged commands hold no AUTH payload or password") {
  session_driver s(implicit_password());
  s.send("EHLO c\r\n");
  const std::string payload = plain_response("", "app1", "secret");
  s.send("AUTH PLAIN " + payload + "\r\n");
  s.send("MAIL FROM:<a@example.com>\r\n");
  session_driver l(implicit_password());
  l.send("EHLO c\r\n");
  l.send("AUTH LOGIN\r\n");
  l.send(base64_encode("app1") + "\r\n");
  l.send(base64_encode("secret") + "\r\n");
  CHECK(l.machine.authenticated_user() == std::optional<std::string>("app1"));
  for (const session_driver* d : {&s, &l}) {
    for (const std::string& line : d->logged) {
      CAPTURE(line);
      CHECK(line.find(payload) == std::string::npos);
      CHECK(line.find("secret") == std::string::npos);
      CHECK(line.find(base64_encode("secret")) == std::string::npos);
      CHECK(line.find(base64_encode("app1")) == std::string::npos);
    }
  }
  CHECK(s.logged == std::vector<std::string>{"EHLO c", "AUTH PLAIN ***", "MAIL FROM:<a@example.com>"});
  CHECK(l.logged == std::vector<std::string>{"EHLO c", "AUTH LOGIN", "(AUTH response ***)", "(AUTH response ***)"});
}

}  // namespace
}  // namespace mfrelay::relay::smtp::test
