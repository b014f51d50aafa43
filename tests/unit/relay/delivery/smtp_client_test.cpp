// smtp_client against a scripted server on loopback: the exact bytes of every
// command (pipelined batches, dot-stuffed data), and what each kind of reply or
// connection trouble does to each recipient and to the session.
#include "relay/delivery/smtp_client.hpp"

#include <doctest/doctest.h>

#include "client_fixture.hpp"
#include "scripted_smtp_server.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
using enum recipient_fate;

const std::string ehlo_pipelining = "250-smarthost.test\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n";

TEST_CASE("smtp_client: pipelined MAIL, RCPTs and DATA in one write; replies per recipient; dot-stuffed data") {
  client_fixture f;
  std::string content = "Subject: t\r\n\r\n.leading dot\r\nbody\r\n";
  std::string size = std::to_string(content.size());
  scripted_smtp_server server(
      f.io, {{step("", greeting), step(ehlo, ehlo_pipelining),
              step("MAIL FROM:<rp@bounce.example> SIZE=" + size +
                       "\r\nRCPT TO:<a@example.net>\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n",
                   "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <b@example.net>: Recipient address rejected\r\n"
                   "450 4.2.0 <c@example.net>: greylisted\r\n354 End data with <CR><LF>.<CR><LF>\r\n"),
              step("Subject: t\r\n\r\n..leading dot\r\nbody\r\n.\r\n", "250 2.0.0 Ok: queued as 4Xz\r\n"),
              step(quit, bye, script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));

  auto result = f.deliver(client, message({"a@example.net", "b@example.net", "c@example.net"}, content));
  REQUIRE(result.recipients.size() == 3);
  CHECK(result.recipients[0].address == "a@example.net");
  CHECK(result.recipients[0].verdict.fate == delivered);
  CHECK(result.recipients[0].verdict.reply == "250 2.0.0 Ok: queued as 4Xz");
  CHECK(result.recipients[1].verdict.fate == bounced);
  CHECK(result.recipients[1].verdict.status == "5.1.1");
  CHECK(result.recipients[1].verdict.diagnostic == "smtp; 550 5.1.1 <b@example.net>: Recipient address rejected");
  CHECK(result.recipients[2].verdict.fate == deferred);
  CHECK(result.recipients[2].verdict.status == "4.2.0");
  CHECK(result.remote_address == "127.0.0.1");
  CHECK(client.connected());
  CHECK(client.capabilities().pipelining);

  f.quit(client);
  CHECK_FALSE(client.connected());
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: without PIPELINING one command at a time; HELO when EHLO is refused") {
  client_fixture f;
  scripted_smtp_server server(
      f.io, {{step("", greeting), step(ehlo, "502 5.5.2 Error: command not recognized\r\n"),
              step("HELO relay.test\r\n", "250 smarthost.test\r\n"),
              step("MAIL FROM:<rp@bounce.example>\r\n", "250 Ok\r\n"),  // no SIZE: not announced
              step("RCPT TO:<a@example.net>\r\n", "250 Ok\r\n"),        // the CR/LF address never goes out
              step("DATA\r\n", "354 go ahead\r\n"),
              step("line one\r\nbare LF\r\n.\r\n", "250 Ok\r\n"),  // bare LF made CRLF, final CRLF added
              step(quit, bye, script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));

  auto result = f.deliver(client, message({"a@example.net", "x@y\r\nDATA"}, "line one\r\nbare LF\n"));
  REQUIRE(result.recipients.size() == 2);
  CHECK(result.recipients[0].verdict.fate == delivered);
  CHECK(result.recipients[0].verdict.reply == "250 Ok");
  CHECK(result.recipients[1].verdict.fate == bounced);
  CHECK(result.recipients[1].verdict.status == "5.1.3");
  CHECK_FALSE(client.capabilities().pipelining);
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: one connection for several messages; RSET only after a failed transaction") {
  client_fixture f;
  const std::string batch = "MAIL FROM:<rp@bounce.example> SIZE=4\r\nRCPT TO:<a@example.net>\r\nDATA\r\n";
  scripted_smtp_server server(
      f.io, {{step("", greeting), step(ehlo, ehlo_pipelining),
              // 1: refused at MAIL, softly
              step(batch,
                   "451 4.3.0 Try again later\r\n503 5.5.1 Error: need MAIL command\r\n"
                   "554 5.5.1 Error: no valid recipients\r\n"),
              // 2: RSET first, then accepted
              step("RSET\r\n", "250 2.0.0 Ok\r\n"), step(batch, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n"),
              step("m2\r\n.\r\n", "250 2.0.0 Ok: 2\r\n"),
              // 3: no RSET after a success; 5xx after the data bounces
              step(batch, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n"),
              step("m3\r\n.\r\n", "554 5.7.1 Message rejected as spam\r\n"),
              // 4: RSET again; 5xx at MAIL bounces every recipient
              step("RSET\r\n", "250 2.0.0 Ok\r\n"),
              step(batch,
                   "550 5.7.1 Sender rejected\r\n503 5.5.1 Error: need MAIL command\r\n"
                   "354 go\r\n"),  // a broken server says 354 anyway
              step(".\r\n", "554 5.5.1 Error: no valid recipients\r\n"), step(quit, bye, script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));

  auto r1 = f.deliver(client, message({"a@example.net"}, "m1\r\n"));
  CHECK(r1.recipients[0].verdict.fate == deferred);
  CHECK(r1.recipients[0].verdict.status == "4.3.0");
  CHECK(r1.recipients[0].verdict.diagnostic == "smtp; 451 4.3.0 Try again later");
  auto r2 = f.deliver(client, message({"a@example.net"}, "m2\r\n"));
  CHECK(r2.recipients[0].verdict.fate == delivered);
  auto r3 = f.deliver(client, message({"a@example.net"}, "m3\r\n"));
  CHECK(r3.recipients[0].verdict.fate == bounced);
  CHECK(r3.recipients[0].verdict.status == "5.7.1");
  auto r4 = f.deliver(client, message({"a@example.net"}, "m4\r\n"));
  CHECK(r4.recipients[0].verdict.fate == bounced);
  CHECK(r4.recipients[0].verdict.diagnostic == "smtp; 550 5.7.1 Sender rejected");
  CHECK(client.sessions_opened() == 1);
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  CHECK(server.accepted() == 1);
  check_script(server);
}

TEST_CASE("smtp_client: max_transactions per session, then QUIT and a new session for the next message") {
  client_fixture f;
  const std::string batch = "MAIL FROM:<rp@bounce.example> SIZE=4\r\nRCPT TO:<a@example.net>\r\nDATA\r\n";
  const std::string accept = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n";
  // Two transactions (one refused, it counts too), QUIT right after the second; the third on a new session.
  session_script first{step("", greeting), step(ehlo, ehlo_pipelining), step(batch, accept),
                       step("m1\r\n.\r\n", "250 2.0.0 Ok: 1\r\n"),
                       step(batch, "451 4.3.0 Later\r\n503 5.5.1 need MAIL\r\n554 5.5.1 no valid recipients\r\n"),
                       step(quit, bye, script_step::close)};
  session_script second{step("", greeting), step(ehlo, ehlo_pipelining), step(batch, accept),
                        step("m3\r\n.\r\n", "250 2.0.0 Ok: 3\r\n"), step(quit, bye, script_step::close)};
  scripted_smtp_server server(f.io, {first, second});
  auto settings = f.settings(server.port());
  settings.max_transactions = 2;
  smtp_client client(f.io.get_executor(), f.tls, settings);

  CHECK(f.deliver(client, message({"a@example.net"}, "m1\r\n")).recipients[0].verdict.fate == delivered);
  CHECK(client.connected());
  auto r2 = f.deliver(client, message({"a@example.net"}, "m2\r\n"));
  CHECK(r2.recipients[0].verdict.fate == deferred);
  CHECK(r2.remote_address == "127.0.0.1");  // known, though the session closed right after
  CHECK_FALSE(client.connected());           // QUIT at the limit, not at the next message
  auto r3 = f.deliver(client, message({"a@example.net"}, "m3\r\n"));
  CHECK(r3.recipients[0].verdict.fate == delivered);
  CHECK(client.sessions_opened() == 2);
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  CHECK(server.accepted() == 2);
  check_script(server);
}

TEST_CASE("smtp_client: 421 defers everything undecided and ends the session") {
  client_fixture f;
  scripted_smtp_server server(
      f.io, {{step("", greeting), step(ehlo, ehlo_pipelining),
              step("MAIL FROM:<rp@bounce.example> SIZE=4\r\nRCPT TO:<a@example.net>\r\nRCPT TO:<b@example.net>\r\n"
                   "RCPT TO:<c@example.net>\r\nDATA\r\n",
                   "250 2.1.0 Ok\r\n550 5.1.1 unknown\r\n250 2.1.5 Ok\r\n421 4.3.2 Service shutting down\r\n",
                   script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));
  auto r = f.deliver(client, message({"a@example.net", "b@example.net", "c@example.net"}, "m1\r\n"));
  CHECK(r.recipients[0].verdict.fate == bounced);   // decided before the 421
  CHECK(r.recipients[1].verdict.fate == deferred);  // accepted, but the data never went
  CHECK(r.recipients[1].verdict.status == "4.3.2");
  CHECK(r.recipients[1].verdict.diagnostic == "smtp; 421 4.3.2 Service shutting down");
  CHECK(r.recipients[2].verdict.fate == deferred);
  CHECK_FALSE(client.connected());
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: a connection dropped after the data is a deferral (may be sent twice)") {
  client_fixture f;
  scripted_smtp_server server(f.io,
                              {{step("", greeting), step(ehlo, ehlo_pipelining),
                                step("MAIL FROM:<rp@bounce.example> SIZE=4\r\nRCPT TO:<a@example.net>\r\nDATA\r\n",
                                     "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n"),
                                step("m1\r\n.\r\n", "", script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));
  auto r = f.deliver(client, message({"a@example.net"}, "m1\r\n"));
  CHECK(r.recipients[0].verdict.fate == deferred);
  CHECK(r.recipients[0].verdict.status == "4.4.2");
  CHECK(r.recipients[0].verdict.diagnostic ==
        "lost connection with 127.0.0.1[127.0.0.1]:" + std::to_string(server.port()) +
            " while sending end of data -- message may be sent more than once");
  CHECK_FALSE(client.connected());
  check_script(server);
}

TEST_CASE("smtp_client: silence past the command timeout is a deferral") {
  client_fixture f;
  scripted_smtp_server server(f.io, {{step("", "", script_step::wait_close)}});
  auto settings = f.settings(server.port());
  settings.command_timeout = std::chrono::milliseconds(300);
  smtp_client client(f.io.get_executor(), f.tls, settings);
  auto started = std::chrono::steady_clock::now();
  auto r = f.deliver(client, message({"a@example.net"}, "m1\r\n"));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  CHECK(r.recipients[0].verdict.fate == deferred);
  CHECK(r.recipients[0].verdict.diagnostic ==
        "conversation with 127.0.0.1[127.0.0.1]:" + std::to_string(server.port()) +
            " timed out while receiving the initial server greeting");
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: connection refused is a deferral, 4.4.1") {
  client_fixture f;
  std::uint16_t port = closed_port(f.io);
  smtp_client client(f.io.get_executor(), f.tls, f.settings(port));
  auto r = f.deliver(client, message({"a@example.net", "b@example.net"}, "m1\r\n"));
  for (const auto& o : r.recipients) {
    CHECK(o.verdict.fate == deferred);
    CHECK(o.verdict.status == "4.4.1");
    CHECK(o.verdict.diagnostic == "connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  }
  CHECK(r.remote_address.empty());
  CHECK(client.sessions_opened() == 0);
}

TEST_CASE("smtp_client: the smarthost may be a host name; every address is tried in turn") {
  client_fixture f;
  scripted_smtp_server server(f.io,
                              {{step("", greeting), step(ehlo, ehlo_pipelining), step(quit, bye, script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, [&] {
    auto s = f.settings(server.port());
    s.server.host = "localhost";  // may resolve to ::1 first, where nothing listens
    return s;
  }());
  auto r = f.deliver(client, message({"bad\r\naddress"}, "m\r\n"));  // bounced locally: the session is what we test
  CHECK(r.recipients[0].verdict.status == "5.1.3");
  CHECK(r.remote_address == "127.0.0.1");
  CHECK(client.peer() == "localhost[127.0.0.1]:" + std::to_string(server.port()));
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: a 5xx greeting is a deferral, and the client says QUIT") {
  client_fixture f;
  scripted_smtp_server server(f.io,
                              {{step("", "554 5.7.1 You are not welcome\r\n"), step(quit, bye, script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));
  auto r = f.deliver(client, message({"a@example.net"}, "m1\r\n"));
  CHECK(r.recipients[0].verdict.fate == deferred);
  CHECK(r.recipients[0].verdict.diagnostic == "smtp; 554 5.7.1 You are not welcome");
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: a reused session the server had dropped is replaced at once") {
  client_fixture f;
  const std::string batch = "MAIL FROM:<rp@bounce.example> SIZE=4\r\nRCPT TO:<a@example.net>\r\nDATA\r\n";
  const std::string accept = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n";
  scripted_smtp_server server(
      f.io, {{step("", greeting), step(ehlo, ehlo_pipelining), step(batch, accept),
              // The server answers, then gives up on the idle session.
              step("m1\r\n.\r\n", "250 2.0.0 Ok\r\n421 4.4.2 smarthost.test Error: timeout exceeded\r\n",
                   script_step::close)},
             {step("", greeting), step(ehlo, ehlo_pipelining), step(batch, accept),
              step("m2\r\n.\r\n", "250 2.0.0 Ok\r\n"), step(quit, bye, script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));
  CHECK(f.deliver(client, message({"a@example.net"}, "m1\r\n")).recipients[0].verdict.fate == delivered);
  CHECK(f.deliver(client, message({"a@example.net"}, "m2\r\n")).recipients[0].verdict.fate == delivered);
  CHECK(client.sessions_opened() == 2);
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: BODY=8BITMIME and SMTPUTF8 when needed and offered") {
  client_fixture f;
  std::string content = "Subject: caf\xc3\xa9\r\n\r\nx\r\n";
  scripted_smtp_server server(
      f.io,
      {{step("", greeting), step(ehlo, "250-smarthost.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"),
        step("MAIL FROM:<rp@bounce.example> BODY=8BITMIME SMTPUTF8\r\n", "250 Ok\r\n"),
        step("RCPT TO:<jos\xc3\xa9@example.net>\r\n", "250 Ok\r\n"), step("DATA\r\n", "354 go\r\n"),
        step(content + ".\r\n", "250 Ok\r\n"),
        // ASCII only: neither parameter.
        step("MAIL FROM:<rp@bounce.example>\r\n", "250 Ok\r\n"), step("RCPT TO:<a@example.net>\r\n", "250 Ok\r\n"),
        step("DATA\r\n", "354 go\r\n"), step("plain\r\n.\r\n", "250 Ok\r\n"), step(quit, bye, script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));
  CHECK(f.deliver(client, message({"jos\xc3\xa9@example.net"}, content)).recipients[0].verdict.fate == delivered);
  CHECK(f.deliver(client, message({"a@example.net"}, "plain\r\n")).recipients[0].verdict.fate == delivered);
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

TEST_CASE("smtp_client: SMTPUTF8 needed but not offered, or over the SIZE limit: bounced, nothing sent") {
  client_fixture f;
  scripted_smtp_server server(
      f.io, {{step("", greeting), step(ehlo, "250-smarthost.test\r\n250-PIPELINING\r\n250 SIZE 10\r\n"),
              step(quit, bye, script_step::close)}});
  smtp_client client(f.io.get_executor(), f.tls, f.settings(server.port()));
  auto utf8 = f.deliver(client, message({"jos\xc3\xa9@example.net"}, "x\r\n"));
  CHECK(utf8.recipients[0].verdict.fate == bounced);
  CHECK(utf8.recipients[0].verdict.status == "5.6.7");
  auto big = f.deliver(client, message({"a@example.net"}, "more than ten bytes\r\n"));
  CHECK(big.recipients[0].verdict.fate == bounced);
  CHECK(big.recipients[0].verdict.status == "5.3.4");
  CHECK(client.connected());
  f.quit(client);
  REQUIRE(run_until(f.io, [&] { return server.done(); }));
  check_script(server);
}

}  // namespace
}  // namespace mfrelay::relay
