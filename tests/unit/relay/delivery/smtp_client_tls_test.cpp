// smtp_client and STARTTLS: opportunistic when offered (no certificate check),
// required when require_tls, and what each way of failing means.
#include <doctest/doctest.h>

#include "client_fixture.hpp"
#include "relay/delivery/smtp_client.hpp"
#include "scripted_smtp_server.hpp"
#include "test_certificate.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
using enum recipient_fate;

const std::string batch = "MAIL FROM:<rp@bounce.example>\r\nRCPT TO:<a@example.net>\r\nDATA\r\n";

TEST_CASE("smtp_client: STARTTLS when offered, EHLO again inside TLS, then the transaction") {
  client_fixture f;
  auto server_tls = make_server_tls_context();
  scripted_smtp_server server(
      f.io,
      {{step("", greeting), step(ehlo, "250-smarthost.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"),
        step("STARTTLS\r\n", "220 2.0.0 Ready to start TLS\r\n", script_step::start_tls),
        // After TLS the client forgets the plaintext EHLO: this one has no PIPELINING.
        step(ehlo, "250-smarthost.test\r\n250 8BITMIME\r\n"), step("MAIL FROM:<rp@bounce.example>\r\n", "250 Ok\r\n"),
        step("RCPT TO:<a@example.net>\r\n", "250 Ok\r\n"), step("DATA\r\n", "354 go\r\n"),
        step("secret\r\n.\r\n", "250 2.0.0 Ok: queued\r\n"), step(quit, bye, script_step::close)}},
      &server_tls);
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));
  auto r = f.deliver(client, message({"a@example.net"}, "secret\r\n"));
  CHECK(r.recipients[0].verdict.fate == delivered);
  CHECK(client.tls_active());
  CHECK_FALSE(client.capabilities().pipelining);
  CHECK(server.tls_sessions() == 1);
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: plaintext the server sent after its 220 to STARTTLS is thrown away") {
  client_fixture f;
  auto server_tls = make_server_tls_context();
  scripted_smtp_server server(
      f.io,
      {{step("", greeting), step(ehlo, "250-smarthost.test\r\n250 STARTTLS\r\n"),
        // An injected reply, in plaintext, in the same write as the 220 (RFC 3207 5).
        step("STARTTLS\r\n", "220 2.0.0 Ready\r\n250-injected\r\n250 PIPELINING\r\n", script_step::start_tls),
        step(ehlo, "250-smarthost.test\r\n250 8BITMIME\r\n"), step(quit, bye, script_step::close)}},
      &server_tls);
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));
  auto r = f.deliver(client, message({"bad\r\naddress"}, "m\r\n"));  // bounced locally: the session is what we test
  CHECK(r.recipients[0].verdict.status == "5.1.3");
  CHECK(client.tls_active());
  CHECK(client.capabilities().eight_bit_mime);
  CHECK_FALSE(client.capabilities().pipelining);  // what the injected text claimed
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: require_tls and no STARTTLS: deferred, TLS required but not offered; QUIT") {
  client_fixture f;
  scripted_smtp_server server(f.io, {{step("", greeting), step(ehlo, "250-smarthost.test\r\n250 PIPELINING\r\n"),
                                      step(quit, bye, script_step::close)}});
  auto settings = f.settings(server.port());
  settings.require_tls = true;
  smtp_client client(f.io.get_executor(), f.tls, settings);
  auto r = f.deliver(client, message({"a@example.net", "b@example.net"}, "m\r\n"));
  for (const auto& o : r.recipients) {
    CHECK(o.verdict.fate == deferred);
    CHECK(o.verdict.status == "4.7.4");
    CHECK(o.verdict.diagnostic ==
          "TLS required but not offered by 127.0.0.1[127.0.0.1]:" + std::to_string(server.port()));
  }
  CHECK_FALSE(client.connected());
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: STARTTLS refused: plaintext when opportunistic, deferred when required") {
  client_fixture f;
  const std::string offer = "250-smarthost.test\r\n250 STARTTLS\r\n";
  const std::string refuse = "454 4.7.0 TLS not available due to local problem\r\n";
  scripted_smtp_server server(
      f.io,
      {{step("", greeting), step(ehlo, offer), step("STARTTLS\r\n", refuse),
        step("MAIL FROM:<rp@bounce.example>\r\n", "250 Ok\r\n"), step("RCPT TO:<a@example.net>\r\n", "250 Ok\r\n"),
        step("DATA\r\n", "354 go\r\n"), step("m\r\n.\r\n", "250 Ok\r\n"), step(quit, bye, script_step::close)},
       {step("", greeting), step(ehlo, offer), step("STARTTLS\r\n", refuse), step(quit, bye, script_step::close)}});
  {
    smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));
    CHECK(f.deliver(client, message({"a@example.net"}, "m\r\n")).recipients[0].verdict.fate == delivered);
    CHECK_FALSE(client.tls_active());
    f.quit(client);
  }
  {
    auto settings = f.settings(server.port());
    settings.require_tls = true;
    smtp_client client(f.io.get_executor(), f.tls, settings);
    auto r = f.deliver(client, message({"a@example.net"}, "m\r\n"));
    CHECK(r.recipients[0].verdict.fate == deferred);
    CHECK(r.recipients[0].verdict.diagnostic == "smtp; 454 4.7.0 TLS not available due to local problem");
  }
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: a failed TLS handshake is a deferral, 4.7.5") {
  client_fixture f;
  scripted_smtp_server server(
      f.io, {{step("", greeting), step(ehlo, "250-smarthost.test\r\n250 STARTTLS\r\n"),
              step("STARTTLS\r\n", "220 go ahead\r\n"), step("", "this is not TLS\r\n", script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));
  auto r = f.deliver(client, message({"a@example.net"}, "m\r\n"));
  CHECK(r.recipients[0].verdict.fate == deferred);
  CHECK(r.recipients[0].verdict.status == "4.7.5");
  CHECK_FALSE(client.connected());
}

}  // namespace
}  // namespace mfrelay::relay
