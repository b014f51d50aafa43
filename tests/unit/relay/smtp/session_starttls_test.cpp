// STARTTLS: the reply and action, the injection defence (buffered plaintext is
// dropped, EHLO/transaction state forgotten), where STARTTLS is refused, and
// the driver-contract checks.
#include <doctest/doctest.h>

#include <stdexcept>

#include "session_driver.hpp"

namespace mfrelay::relay::smtp::test {
namespace {

TEST_CASE("STARTTLS: 220, then the handshake; commands pipelined behind it are dropped") {
  session_driver s(starttls_password());
  s.send("EHLO c\r\n");
  CHECK_FALSE(s.machine.tls_active());
  CHECK(s.send("STARTTLS\r\nMAIL FROM:<x@evil.example>\r\nRCPT TO:<y@victim.example>\r\n") ==
        "220 2.0.0 Ready to start TLS\r\n");
  CHECK(s.discarded == "MAIL FROM:<x@evil.example>\r\nRCPT TO:<y@victim.example>\r\n");
  CHECK(s.machine.tls_active());
  // EHLO was forgotten: no enhanced codes, and MAIL needs a new EHLO.
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "503 Error: send HELO/EHLO first\r\n");
  CHECK(s.hooks.calls.empty());
}

TEST_CASE("STARTTLS stops reading at the end of its line") {
  session_driver s(starttls_password());
  s.send("EHLO c\r\n");
  session_output out = s.machine.on_input("STARTTLS\r\nEHLO evil\r\n");
  CHECK(out.consumed == 10);
  CHECK(out.action == session_action::start_tls);
  CHECK(out.flush);
  CHECK(out.replies == "220 2.0.0 Ready to start TLS\r\n");
  // Until the handshake is done the machine takes no input: a driver that
  // forgot to drop the buffer fails loudly instead of leaking plaintext.
  CHECK_THROWS_AS(s.machine.on_input("EHLO evil\r\n"), std::logic_error);
  s.machine.on_tls_started();
  CHECK(s.machine.on_input("EHLO c\r\n").replies.find("AUTH PLAIN LOGIN") != std::string::npos);
}

TEST_CASE("after STARTTLS the transaction and EHLO state are gone; network users stay trusted") {
  session_driver s(network_listener("local-apps", policy::tls_mode::starttls));
  s.send("EHLO c\r\n");
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "250 2.1.0 Ok\r\n");
  CHECK(s.send("STARTTLS\r\n") == "503 5.5.1 Error: MAIL transaction in progress\r\n");
  s.send("RSET\r\n");
  CHECK(s.send("STARTTLS\r\n") == "220 2.0.0 Ready to start TLS\r\n");
  CHECK(s.send("RCPT TO:<b@example.org>\r\n") == "503 Error: need MAIL command\r\n");
  CHECK(s.send("EHLO c\r\n").find("STARTTLS") == std::string::npos);
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "250 2.1.0 Ok\r\n");
}

TEST_CASE("where STARTTLS is refused") {
  {
    session_driver s(starttls_password());
    s.send("EHLO c\r\n");
    CHECK(s.send("STARTTLS now\r\n") == "501 5.5.4 Syntax: STARTTLS\r\n");
    s.send("STARTTLS\r\n");
    s.send("EHLO c\r\n");
    CHECK(s.send("STARTTLS\r\n") == "554 5.5.1 Error: TLS already active\r\n");
  }
  {
    session_driver s(implicit_password());
    s.send("EHLO c\r\n");
    CHECK(s.send("STARTTLS\r\n") == "554 5.5.1 Error: TLS already active\r\n");
  }
  {
    session_driver s(network_listener("local-apps"));
    s.send("EHLO c\r\n");
    CHECK(s.send("STARTTLS\r\n") == "502 5.5.1 Error: command not implemented\r\n");
  }
  {
    session_driver s(starttls_password());
    CHECK(s.send("STARTTLS\r\n") == "503 Error: send HELO/EHLO first\r\n");
  }
}

TEST_CASE("results the machine did not ask for are driver bugs") {
  recording_hooks hooks;
  session_machine m(starttls_password(), hooks);
  CHECK_THROWS_AS(m.on_tls_started(), std::logic_error);
  CHECK_THROWS_AS(m.on_auth_result(session_machine::auth_result::ok), std::logic_error);
  CHECK_THROWS_AS(m.on_message_result(replies::accepted("x")), std::logic_error);
  CHECK_FALSE(m.authenticated_user());
}

TEST_CASE("the Received protocol name follows TLS and AUTH") {
  struct row {
    session_config config;
    bool login;
    std::string protocol;
  };
  const row rows[] = {
      {implicit_password(), true, "ESMTPSA"},
      {network_listener("local-apps"), false, "ESMTP"},
      {network_listener("local-apps", policy::tls_mode::implicit), false, "ESMTPS"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.protocol);
    session_config c = r.config;
    if (c.tls == policy::tls_mode::implicit) c.tls_active = true;
    session_driver s(c);
    if (r.login) {
      s.login();
    } else {
      s.send("EHLO c\r\n");
    }
    s.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n");
    REQUIRE(s.data_envelope);
    CHECK(s.data_envelope->protocol == r.protocol);
    CHECK(s.data_envelope->helo == (r.login ? "client.example" : "c"));
  }
}

}  // namespace
}  // namespace mfrelay::relay::smtp::test
