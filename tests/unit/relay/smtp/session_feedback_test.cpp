// The session machine on a feedback listener (role = "feedback"): no AUTH
// offered or taken, MAIL from anyone (<> included) without the sender check,
// every RCPT goes through check_recipient, and a report without a usable From
// is still taken. Submission listeners never ask check_recipient.
#include <doctest/doctest.h>

#include "session_driver.hpp"

namespace mfrelay::relay::smtp::test {
namespace {

session_config feedback_listener(policy::tls_mode tls = policy::tls_mode::none) {
  session_config c;
  c.hostname = "mx.test";
  c.tls = tls;
  c.feedback = true;
  return c;
}

const std::string ours = "0100019c0a1b2c3d-00000000-0000-0000-0000-000000000001-000000@mail.example.com";

TEST_CASE("a feedback listener takes <> without AUTH and asks about every recipient") {
  session_driver s(feedback_listener());
  s.hooks.recipient_answer = [](const policy::email_address& a) -> std::optional<policy::smtp_reply> {
    if (a.str() == ours) return std::nullopt;
    return policy::smtp_reply{550, "5.1.1", "<" + a.str() + ">: Recipient address rejected"};
  };
  std::string ehlo = s.send("EHLO mx.dest.example\r\n");
  CHECK(ehlo.find("AUTH") == std::string::npos);
  CHECK(s.send("MAIL FROM:<>\r\n") == "250 2.1.0 Ok\r\n");
  CHECK(s.hooks.calls.empty());  // no sender policy on feedback
  CHECK(s.send("RCPT TO:<victim@dest.example>\r\n") ==
        "550 5.1.1 <victim@dest.example>: Recipient address rejected\r\n");
  CHECK(s.send("RCPT TO:<" + ours + ">\r\n") == "250 2.1.5 Ok\r\n");
  CHECK(s.hooks.recipients_checked == std::vector<std::string>{"victim@dest.example", ours});
  CHECK(s.send("DATA\r\n").starts_with("354"));
  // A bare MAILER-DAEMON From would be refused on submission; a report keeps it.
  s.send("From: MAILER-DAEMON\r\nSubject: Undelivered Mail\r\n\r\nbody\r\n.\r\n");
  REQUIRE(s.messages.size() == 1);
  CHECK_FALSE(s.messages[0].envelope.rejection);
  CHECK(s.messages[0].envelope.recipients.size() == 1);
}

TEST_CASE("a feedback listener refuses AUTH even under TLS with a password-style config") {
  session_config c = feedback_listener(policy::tls_mode::implicit);
  c.tls_active = true;
  c.auth = policy::auth_mode::password;
  session_driver s(c);
  CHECK(s.send("EHLO mx.dest.example\r\n").find("AUTH") == std::string::npos);
  CHECK(s.send("AUTH PLAIN " + plain_response("", "app1", "secret") + "\r\n").starts_with("503"));
  CHECK(s.verified.empty());
}

TEST_CASE("a submission listener never asks check_recipient") {
  session_driver s(network_listener("local-apps"));
  s.hooks.recipient_answer = [](const policy::email_address&) -> std::optional<policy::smtp_reply> {
    return policy::smtp_reply{550, "5.1.1", "no"};
  };
  s.send("EHLO app.example\r\nMAIL FROM:<app@example.com>\r\nRCPT TO:<reader@dest.example>\r\n");
  CHECK(s.hooks.recipients_checked.empty());
  CHECK(s.replies.find("250 2.1.5") != std::string::npos);
}

}  // namespace
}  // namespace mfrelay::relay::smtp::test
