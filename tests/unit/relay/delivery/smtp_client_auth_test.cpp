// smtp_client with a smarthost that wants credentials: AUTH PLAIN or LOGIN, only
// inside TLS (STARTTLS or implicit), a refusal deferred with the user named and
// the password nowhere, and a certificate that does not verify refused.
#include <doctest/doctest.h>

#include "client_fixture.hpp"
#include "relay/delivery/smtp_client.hpp"
#include "scripted_smtp_server.hpp"
#include "test_certificate.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
using enum recipient_fate;

const std::string plain_token = "AHJlbGF5AHMzY3JldA==";  // base64("\0relay\0s3cret")

smtp_client_settings with_credentials(smtp_client_settings s) {
  s.username = "relay";
  s.password = "s3cret";
  return s;
}

std::vector<script_step> transaction() {
  return {step("MAIL FROM:<rp@bounce.example>\r\n", "250 Ok\r\n"), step("RCPT TO:<a@example.net>\r\n", "250 Ok\r\n"),
          step("DATA\r\n", "354 go\r\n"), step("m\r\n.\r\n", "250 2.0.0 Ok: queued\r\n"),
          step(quit, bye, script_step::close)};
}

session_script concat(session_script a, const session_script& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_CASE("smtp_client: AUTH PLAIN after STARTTLS, with the EHLO said inside TLS") {
  client_fixture f;
  auto server_tls = make_server_tls_context();
  // The plaintext EHLO offers no AUTH (as Postfix with smtpd_tls_auth_only): we must not care.
  scripted_smtp_server server(
      f.io,
      {concat({step("", greeting), step(ehlo, "250-smarthost.test\r\n250 STARTTLS\r\n"),
               step("STARTTLS\r\n", "220 2.0.0 Ready\r\n", script_step::start_tls),
               step(ehlo, "250-smarthost.test\r\n250 AUTH LOGIN PLAIN\r\n"),
               step("AUTH PLAIN " + plain_token + "\r\n", "235 2.7.0 Authentication successful\r\n")},
              transaction())},
      &server_tls);
  smtp_client client(f.io.get_executor(), f.tls, with_credentials(f.settings(server.port())));
  auto r = f.deliver(client, message({"a@example.net"}, "m\r\n"));
  CHECK(r.recipients[0].verdict.fate == delivered);
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: implicit TLS (handshake before the greeting) and AUTH LOGIN") {
  client_fixture f;
  auto server_tls = make_server_tls_context();
  scripted_smtp_server server(
      f.io,
      {concat({step("", "", script_step::start_tls), step("", greeting),
               step(ehlo, "250-smarthost.test\r\n250 AUTH=LOGIN\r\n"), step("AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n"),
               step("cmVsYXk=\r\n", "334 UGFzc3dvcmQ6\r\n"), step("czNjcmV0\r\n", "235 2.7.0 Ok\r\n")},
              transaction())},
      &server_tls);
  auto settings = with_credentials(f.settings(server.port()));
  settings.tls = policy::tls_mode::implicit;
  smtp_client client(f.io.get_executor(), f.tls, settings);
  auto r = f.deliver(client, message({"a@example.net"}, "m\r\n"));
  CHECK(r.recipients[0].verdict.fate == delivered);
  CHECK(client.tls_active());
  CHECK(server.tls_sessions() == 1);
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: credentials refused: every recipient deferred, the user named, no password anywhere") {
  client_fixture f;
  auto server_tls = make_server_tls_context();
  scripted_smtp_server server(
      f.io,
      {{step("", greeting), step(ehlo, "250-smarthost.test\r\n250 STARTTLS\r\n"),
        step("STARTTLS\r\n", "220 2.0.0 Ready\r\n", script_step::start_tls),
        step(ehlo, "250-smarthost.test\r\n250 AUTH PLAIN\r\n"),
        step("AUTH PLAIN " + plain_token + "\r\n", "535 5.7.8 Authentication credentials invalid\r\n"),
        step(quit, bye, script_step::close)}},
      &server_tls);
  smtp_client client(f.io.get_executor(), f.tls, with_credentials(f.settings(server.port())));
  auto r = f.deliver(client, message({"a@example.net", "b@example.net"}, "m\r\n"));
  for (const auto& o : r.recipients) {
    CHECK(o.verdict.fate == deferred);  // a 5xx, and still never a bounce
    CHECK(o.verdict.status == "4.7.8");
    CHECK(o.verdict.delay_type == "SmarthostAuthFailure");
    CHECK(o.verdict.diagnostic.find("535 5.7.8 Authentication credentials invalid") != std::string::npos);
    CHECK(o.verdict.diagnostic.find("refused the credentials of user \"relay\"") != std::string::npos);
    CHECK(o.verdict.diagnostic.find("s3cret") == std::string::npos);
    CHECK(o.verdict.diagnostic.find(plain_token) == std::string::npos);
  }
  CHECK_FALSE(client.connected());
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: credentials and no STARTTLS offered: deferred; AUTH never sent in clear") {
  client_fixture f;
  scripted_smtp_server server(
      f.io, {{step("", greeting), step(ehlo, "250-smarthost.test\r\n250 AUTH PLAIN LOGIN\r\n"),
              step(quit, bye, script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, with_credentials(f.settings(server.port())));
  auto r = f.deliver(client, message({"a@example.net"}, "m\r\n"));
  CHECK(r.recipients[0].verdict.fate == deferred);
  CHECK(r.recipients[0].verdict.delay_type == "SmarthostAuthFailure");
  CHECK(r.recipients[0].verdict.diagnostic.find("no TLS to send the credentials over") != std::string::npos);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);  // the script has no AUTH step: one would be a mismatch
}

TEST_CASE("smtp_client: tls = none never sends STARTTLS, even when offered") {
  client_fixture f;
  scripted_smtp_server server(
      f.io, {concat({step("", greeting), step(ehlo, "250-smarthost.test\r\n250 STARTTLS\r\n")}, transaction())});
  auto settings = f.settings(server.port());
  settings.tls = policy::tls_mode::none;
  smtp_client client(f.io.get_executor(), f.tls, settings);
  CHECK(f.deliver(client, message({"a@example.net"}, "m\r\n")).recipients[0].verdict.fate == delivered);
  CHECK_FALSE(client.tls_active());
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: verify_certificate refuses a certificate the trust store does not vouch for") {
  client_fixture f;
  auto server_tls = make_server_tls_context();  // self-signed, not in any trust store
  scripted_smtp_server server(f.io, {{step("", "", script_step::start_tls)}}, &server_tls);
  auto settings = f.settings(server.port());
  settings.tls = policy::tls_mode::implicit;
  settings.verify_certificate = true;
  smtp_client client(f.io.get_executor(), f.tls, settings);
  auto r = f.deliver(client, message({"a@example.net"}, "m\r\n"));
  CHECK(r.recipients[0].verdict.fate == deferred);
  CHECK(r.recipients[0].verdict.status == "4.7.5");
  CHECK(r.recipients[0].verdict.diagnostic.find("not verified: self-signed certificate") != std::string::npos);
  CHECK_FALSE(client.connected());
}

}  // namespace
}  // namespace mfrelay::relay
