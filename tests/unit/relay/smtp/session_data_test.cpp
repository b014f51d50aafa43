// DATA through the session: 354, streaming, the envelope handed to the
// driver, the final reply (the driver's, or the machine's rejection), limits,
// and the smuggling inputs end to end with a pipelining client.
#include <doctest/doctest.h>

#include "relay/smtp/reply_renderer.hpp"
#include "session_driver.hpp"
#include "smuggling_cases.hpp"

namespace mfrelay::relay::smtp::test {
namespace {

const std::string envelope_cmds = "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n";

TEST_CASE("a message: 354, content to the driver, envelope, then the driver's 250") {
  session_driver s(implicit_password());
  s.login();
  CHECK(s.send(envelope_cmds) == "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(s.data_started == 1);
  REQUIRE(s.data_envelope);
  CHECK(s.data_envelope->sender->str() == "a@example.com");
  CHECK(s.data_envelope->recipients.size() == 1);
  CHECK(s.send("From: Alice <alice@example.com>\r\nSubject: hi\r\nMessage-ID: <m1@example.com>\r\n\r\n..dot\r\n") == "");
  CHECK(s.send(".\r\n") == "250 2.0.0 Ok 0100-test\r\n");
  REQUIRE(s.messages.size() == 1);
  const stored_message& m = s.messages[0];
  CHECK(m.data == "From: Alice <alice@example.com>\r\nSubject: hi\r\nMessage-ID: <m1@example.com>\r\n\r\n.dot\r\n");
  CHECK_FALSE(m.envelope.rejection);
  REQUIRE(m.envelope.from);
  CHECK(m.envelope.from->str() == "alice@example.com");
  CHECK(m.envelope.sender->str() == "a@example.com");
  CHECK(m.envelope.recipients[0].str() == "b@example.org");
  CHECK(m.envelope.user == "app1");
  CHECK(m.envelope.headers.subject == "hi");
  CHECK(m.envelope.headers.message_id == "<m1@example.com>");
  CHECK(m.envelope.size == m.data.size());
}

TEST_CASE("after a message the transaction is reset but EHLO and AUTH stay") {
  session_driver s(implicit_password());
  s.login();
  s.send(envelope_cmds + "From: a@example.com\r\n\r\nx\r\n.\r\n");
  CHECK(s.send("RCPT TO:<b@example.org>\r\n") == "503 5.5.1 Error: need MAIL command\r\n");
  CHECK(s.send(envelope_cmds + "From: a@example.com\r\n\r\ny\r\n.\r\n") ==
        "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok 0100-test\r\n");
  CHECK(s.messages.size() == 2);
}

TEST_CASE("the driver's rejection is the final reply") {
  session_driver s(implicit_password());
  s.login();
  s.decide = [](const message_envelope&) {
    return policy::smtp_reply{554, "5.7.1", "Message rejected: MailFromDomainNotVerified. x"};
  };
  CHECK(s.send(envelope_cmds + "From: a@example.com\r\n\r\nx\r\n.\r\n").find(
            "554 5.7.1 Message rejected: MailFromDomainNotVerified. x\r\n") != std::string::npos);
}

TEST_CASE("a bad message gets the machine's rejection whatever the driver answers") {
  struct row {
    std::string content;
    policy::bare_newline_mode mode;
    std::string reply;
  };
  const row rows[] = {
      {"Subject: no from\r\n\r\nx\r\n", policy::bare_newline_mode::reject,
       "554 5.6.0 Message rejected: the message has no From header\r\n"},
      {"From: <@relay.org:billing@example.com>\r\n\r\nx\r\n", policy::bare_newline_mode::reject,
       "554 5.6.0 Message rejected: the From header's address is not valid: source routes (<@relay:user@domain>) are "
       "not accepted\r\n"},
      {"From: x@ex\xc3\xa4mple.com\r\n\r\nx\r\n", policy::bare_newline_mode::reject,  // no SMTPUTF8 at MAIL
       "554 5.6.0 Message rejected: the From header's address is not valid: 'x@ex\xc3\xa4mple.com' holds non-ASCII "
       "characters, which need SMTPUTF8 (RFC 6532)\r\n"},
      {"From: a@example.com, b@example.org\r\n\r\nx\r\n", policy::bare_newline_mode::reject,
       "554 5.6.0 Message rejected: the From header must hold exactly one address\r\n"},
      {"From: a@example.com\r\n\r\nbare\nLF\r\n", policy::bare_newline_mode::reject,
       "554 5.6.0 Message rejected: bare CR or LF in the message; lines must end with CRLF\r\n"},
      {std::string("From: a@example.com\r\n\r\nN\0L\r\n", 28), policy::bare_newline_mode::normalize,
       "554 5.6.0 Message rejected: NUL octet in the message\r\n"},
      {"From: a@example.com\r\n\r\n" + std::string(1001, 'x') + "\r\n", policy::bare_newline_mode::reject,
       "554 5.6.0 Message rejected: a line is longer than 1000 octets\r\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.reply);
    session_config c = implicit_password();
    c.bare_newline = r.mode;
    session_driver s(c);
    s.login();
    CHECK(s.send(envelope_cmds + r.content + ".\r\n").find(r.reply) != std::string::npos);
    REQUIRE(s.messages.size() == 1);
    REQUIRE(s.messages[0].envelope.rejection);
    CHECK(render_reply(*s.messages[0].envelope.rejection, true) == r.reply);
    CHECK(s.replies.find("250 2.0.0 Ok 0100-test") == std::string::npos);
  }
}

TEST_CASE("normalize mode accepts bare newlines as CRLF") {
  session_config c = implicit_password();
  c.bare_newline = policy::bare_newline_mode::normalize;
  session_driver s(c);
  s.login();
  CHECK(s.send(envelope_cmds + "From: a@example.com\n\nbody\rline\r\n.\r\n").find("250 2.0.0 Ok 0100-test") !=
        std::string::npos);
  REQUIRE(s.messages.size() == 1);
  CHECK(s.messages[0].data == "From: a@example.com\r\n\r\nbody\r\nline\r\n");
}

TEST_CASE("message size: SIZE= at MAIL and the actual size") {
  session_config c = implicit_password();
  c.max_message_bytes = 100;
  session_driver s(c);
  s.login();
  CHECK(s.send("MAIL FROM:<a@example.com> SIZE=101\r\n") == "552 5.3.4 Message is too long.\r\n");
  CHECK(s.send("MAIL FROM:<a@example.com> SIZE=100\r\n") == "250 2.1.0 Ok\r\n");
  s.send("RSET\r\n");
  std::string body;
  for (int i = 0; i < 10; ++i) body += std::string(50, 'b') + "\r\n";
  CHECK(s.send(envelope_cmds + "From: a@example.com\r\n\r\n" + body + ".\r\nNOOP\r\n") ==
        "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
        "552 5.3.4 Message is too long.\r\n250 2.0.0 Ok\r\n");
  REQUIRE(s.messages.size() == 1);
  CHECK(s.messages[0].data.size() <= 100);
}

TEST_CASE("recipients beyond max_recipients get 452 4.5.3; the message keeps the rest") {
  session_config c = implicit_password();
  c.max_recipients = 3;
  session_driver s(c);
  s.login();
  s.send("MAIL FROM:<a@example.com>\r\n");
  for (int i = 0; i < 3; ++i) CHECK(s.send("RCPT TO:<r" + std::to_string(i) + "@example.org>\r\n") == "250 2.1.5 Ok\r\n");
  CHECK(s.send("RCPT TO:<r3@example.org>\r\n") == "452 4.5.3 Too many recipients\r\n");
  s.send("DATA\r\nFrom: a@example.com\r\n\r\nx\r\n.\r\n");
  REQUIRE(s.messages.size() == 1);
  CHECK(s.messages[0].envelope.recipients.size() == 3);
}

TEST_CASE("a large message streams in bounded chunks") {
  session_driver s(implicit_password());
  s.login();
  s.send(envelope_cmds);
  std::string body = "From: a@example.com\r\n\r\n";
  while (body.size() < 1'000'000) body += std::string(76, 'q') + "\r\n";
  std::string input = body + ".\r\n";
  std::size_t pos = 0;
  std::size_t largest = 0;
  while (pos < input.size()) {
    session_output out = s.machine.on_input(std::string_view(input).substr(pos));
    pos += out.consumed;
    largest = std::max(largest, out.data.size());
    s.handle(std::move(out));
  }
  CHECK(largest <= 2 * data_decoder::max_input_per_put);
  REQUIRE(s.messages.size() == 1);
  CHECK(s.messages[0].data == body);
}

TEST_CASE("smuggling end to end: one message, nothing after the fake end is a command") {
  for (policy::bare_newline_mode mode : {policy::bare_newline_mode::reject, policy::bare_newline_mode::normalize}) {
    for (const smuggling_case& c : smuggling_cases()) {
      CAPTURE(c.name);
      CAPTURE(mode == policy::bare_newline_mode::reject ? "reject" : "normalize");
      // A pipelining client sends the envelope, the content and QUIT in one go
      // (as far as the 354 allows); the split is wherever TCP put it.
      const std::string stream = envelope_cmds + c.content() + trailer;
      for (std::size_t split = 0; split <= stream.size(); ++split) {
        CAPTURE(split);
        session_config config = implicit_password();
        config.bare_newline = mode;
        session_driver s(config);
        s.login();
        s.send(stream.substr(0, split));
        s.send(stream.substr(split));
        CHECK(s.data_started == 1);
        REQUIRE(s.messages.size() == 1);
        CHECK(s.hooks.calls.size() == 1);  // the smuggled MAIL FROM was never a command
        CHECK(s.replies ==
              "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n" + c.rejection +
                  "221 2.0.0 Bye\r\n");
        CHECK(s.closed);
      }
    }
  }
}

}  // namespace
}  // namespace mfrelay::relay::smtp::test
