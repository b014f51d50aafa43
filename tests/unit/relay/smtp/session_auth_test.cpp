// AUTH through the session: PLAIN and LOGIN, authzid rules, cancellation,
// bad base64, failures with growing delays and the 421 cut-off, where AUTH is
// refused (before EHLO, before TLS, network listeners, twice).
#include <doctest/doctest.h>

#include "session_driver.hpp"

namespace mfrelay::relay::smtp::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("AUTH PLAIN with an initial response") {
  session_driver s(implicit_password());
  s.send("EHLO c\r\n");
  CHECK(s.send("AUTH PLAIN " + plain_response("", "app1", "secret") + "\r\n") ==
        "235 2.7.0 Authentication successful\r\n");
  REQUIRE(s.verified.size() == 1);
  CHECK(s.verified[0].user == "app1");
  CHECK(s.verified[0].password == "secret");
  CHECK(s.machine.authenticated_user() == std::optional<std::string>("app1"));
  CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "250 2.1.0 Ok\r\n");
}

TEST_CASE("AUTH PLAIN without an initial response, and authzid equal to the user") {
  session_driver s(implicit_password());
  s.send("EHLO c\r\n");
  CHECK(s.send("AUTH PLAIN\r\n") == "334 \r\n");
  CHECK(s.send(plain_response("app1", "app1", "secret") + "\r\n") == "235 2.7.0 Authentication successful\r\n");
}

TEST_CASE("AUTH PLAIN acting as another user is refused without asking the password store") {
  session_driver s(implicit_password());
  s.send("EHLO c\r\n");
  CHECK(s.send("AUTH PLAIN " + plain_response("admin", "app1", "secret") + "\r\n") ==
        "535 5.7.8 Authentication Credentials Invalid\r\n");
  CHECK(s.verified.empty());
  CHECK_FALSE(s.machine.authenticated_user());
}

TEST_CASE("AUTH LOGIN, with and without an initial response") {
  session_driver s(implicit_password());
  s.send("EHLO c\r\n");
  CHECK(s.send("AUTH LOGIN\r\n") == "334 VXNlcm5hbWU6\r\n");
  CHECK(s.send(base64_encode("app1") + "\r\n") == "334 UGFzc3dvcmQ6\r\n");
  CHECK(s.send(base64_encode("secret") + "\r\n") == "235 2.7.0 Authentication successful\r\n");

  session_driver t(implicit_password());
  t.send("EHLO c\r\n");
  CHECK(t.send("AUTH LOGIN " + base64_encode("app1") + "\r\n") == "334 UGFzc3dvcmQ6\r\n");
  CHECK(t.send(base64_encode("secret") + "\r\n") == "235 2.7.0 Authentication successful\r\n");
}

TEST_CASE("'*' cancels an AUTH exchange; the client stays unauthenticated") {
  for (std::string start : {"AUTH PLAIN\r\n", "AUTH LOGIN\r\n"}) {
    CAPTURE(start);
    session_driver s(implicit_password());
    s.send("EHLO c\r\n");
    s.send(start);
    CHECK(s.send("*\r\n") == "501 5.0.0 Authentication cancelled\r\n");
    CHECK(s.send("MAIL FROM:<a@example.com>\r\n") == "530 5.7.0 Authentication required\r\n");
    CHECK(s.send("NOOP\r\n") == "250 2.0.0 Ok\r\n");  // back in the command phase
  }
}

TEST_CASE("malformed base64 cannot be decoded") {
  session_driver s(implicit_password());
  s.send("EHLO c\r\n");
  CHECK(s.send("AUTH PLAIN AGFwcDEAc2VjcmV\r\n") == "501 5.5.2 Cannot decode response\r\n");
  s.send("AUTH LOGIN\r\n");
  CHECK(s.send("not base64!\r\n") == "501 5.5.2 Cannot decode response\r\n");
  CHECK(s.verified.empty());
}

TEST_CASE("failed AUTH: 535 after a growing delay, then 421 and close at max_auth_failures") {
  session_config c = implicit_password();
  c.max_auth_failures = 3;
  session_driver s(c);
  s.send("EHLO c\r\n");
  const std::string wrong = "AUTH PLAIN " + plain_response("", "app1", "wrong") + "\r\n";
  CHECK(s.send(wrong) == "535 5.7.8 Authentication Credentials Invalid\r\n");
  CHECK(s.send(wrong) == "535 5.7.8 Authentication Credentials Invalid\r\n");
  CHECK(s.send(wrong) == "421 4.7.0 mx.test Error: too many authentication failures\r\n");
  CHECK(s.closed);
  CHECK(s.delays == std::vector<std::chrono::milliseconds>{1s, 2s, 3s});
}

TEST_CASE("refused PLAIN messages count as failed attempts") {
  session_config c = implicit_password();
  c.max_auth_failures = 2;
  session_driver s(c);
  s.send("EHLO c\r\n");
  s.send("AUTH PLAIN " + plain_response("root", "app1", "x") + "\r\n");
  CHECK(s.send("AUTH PLAIN " + plain_response("", "", "x") + "\r\n") ==
        "421 4.7.0 mx.test Error: too many authentication failures\r\n");
  CHECK(s.closed);
  CHECK(s.verified.empty());
}

TEST_CASE("a password store outage is a temporary failure, not a failed attempt") {
  session_config c = implicit_password();
  c.max_auth_failures = 1;
  session_driver s(c);
  s.send("EHLO c\r\n");
  s.auth_store_down = true;
  CHECK(s.send("AUTH PLAIN " + plain_response("", "app1", "secret") + "\r\n") ==
        "454 4.7.0 Temporary authentication failure\r\n");
  CHECK_FALSE(s.closed);
  CHECK(s.delay.count() == 0);
  s.auth_store_down = false;
  CHECK(s.send("AUTH PLAIN " + plain_response("", "app1", "secret") + "\r\n") ==
        "235 2.7.0 Authentication successful\r\n");
}

TEST_CASE("where AUTH is refused") {
  {
    session_driver s(implicit_password());
    CHECK(s.send("AUTH PLAIN " + plain_response("", "app1", "secret") + "\r\n") == "503 Error: send HELO/EHLO first\r\n");
    s.send("HELO c\r\n");
    CHECK(s.send("AUTH PLAIN " + plain_response("", "app1", "secret") + "\r\n") == "503 Error: send HELO/EHLO first\r\n");
  }
  {
    session_driver s(starttls_password());
    s.send("EHLO c\r\n");
    CHECK(s.send("AUTH PLAIN " + plain_response("", "app1", "secret") + "\r\n") ==
          "530 5.7.0 Must issue a STARTTLS command first\r\n");
    CHECK(s.send("AUTH LOGIN\r\n") == "530 5.7.0 Must issue a STARTTLS command first\r\n");
    CHECK(s.verified.empty());
  }
  {
    session_driver s(network_listener("local-apps"));
    s.send("EHLO c\r\n");
    CHECK(s.send("AUTH PLAIN " + plain_response("", "app1", "secret") + "\r\n") ==
          "503 5.5.1 Error: authentication not enabled\r\n");
  }
  {
    session_driver s(implicit_password());
    s.login();
    CHECK(s.send("AUTH PLAIN " + plain_response("", "app1", "secret") + "\r\n") ==
          "503 5.5.1 Error: already authenticated\r\n");
    CHECK(s.send("AUTH\r\n") == "503 5.5.1 Error: already authenticated\r\n");
  }
  {
    session_driver s(implicit_password());
    s.send("EHLO c\r\n");
    CHECK(s.send("AUTH\r\n") == "501 5.5.4 Syntax: AUTH mechanism\r\n");
    CHECK(s.send("AUTH CRAM-MD5\r\n") == "504 5.5.4 Unrecognized authentication type\r\n");
  }
}

TEST_CASE("an over-long or broken AUTH response line ends the exchange") {
  session_driver s(implicit_password());
  s.send("EHLO c\r\n");
  s.send("AUTH LOGIN\r\n");
  CHECK(s.send(std::string(600, 'A') + "\r\n") == "500 5.5.2 Error: line too long\r\n");
  CHECK(s.send("NOOP\r\n") == "250 2.0.0 Ok\r\n");
  s.send("AUTH PLAIN\r\n");
  CHECK(s.send("AG\rFw\r\n") == "500 5.5.2 Error: bare <CR> received\r\n");
  CHECK(s.send("NOOP\r\n") == "250 2.0.0 Ok\r\n");
}

TEST_CASE("unknown user and wrong password look the same") {
  session_driver s(implicit_password());
  s.send("EHLO c\r\n");
  std::string a = s.send("AUTH PLAIN " + plain_response("", "nobody", "secret") + "\r\n");
  std::string b = s.send("AUTH PLAIN " + plain_response("", "app1", "guess") + "\r\n");
  CHECK(a == "535 5.7.8 Authentication Credentials Invalid\r\n");
  CHECK(b == a);
}

}  // namespace
}  // namespace mfrelay::relay::smtp::test
