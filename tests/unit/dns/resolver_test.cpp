// dns/resolver against a scripted DNS server on loopback: every outcome through the
// real c-ares channel, and shutting down or destroying it with queries in flight.
#include "dns/resolver.hpp"

#include <doctest/doctest.h>

#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "dns/mail_from_checker.hpp"
#include "support/test_io.hpp"
#include "test_dns_server.hpp"

namespace mfrelay::dns {
namespace {

namespace asio = boost::asio;
using policy::dns_outcome;
using namespace test;

resolver_options options_for(const test_dns_server& server, const char* host = "127.0.0.1",
                             policy::duration timeout = std::chrono::milliseconds(200)) {
  return {{{host, server.port()}}, timeout, 1};
}

void script_all(test_dns_server& s) {
  s.script("mx.test", type_mx, {.answers = {record("mx.test", type_mx, mx_rdata(10, feedback))}});
  s.script("mx.test", type_txt, {.answers = {record("mx.test", type_txt, txt_rdata({"v=spf1 include:", "amazonses.com ~all"}))}});
  s.script("two.test", type_mx, {.answers = {record("two.test", type_mx, mx_rdata(10, "a.example")),
                                             record("two.test", type_mx, mx_rdata(20, "b.example"))}});
  s.script("nx.test", 0, {.rcode = rcode_nxdomain});
  s.script("sf.test", 0, {.rcode = rcode_servfail});
  s.script("ref.test", 0, {.rcode = rcode_refused});
  s.script("nodata.test", 0, {});
  s.script("silent.test", 0, {.silent = true});
  s.script("garbage.test", 0, {.answers = {record("garbage.test", type_mx, {0x00})}});
  s.script("host.test", type_a, {.answers = {record("host.test", type_a, address_rdata(AF_INET, "192.0.2.7"))}});
  s.script("host.test", type_aaaa, {.answers = {record("host.test", type_aaaa, address_rdata(AF_INET6, "2001:db8::7"))}});
  s.script("tc.test", type_mx, {.answers = {record("tc.test", type_mx, mx_rdata(10, feedback))}, .truncate_udp = true});
}

TEST_CASE("resolver: each outcome through a loopback server") {
  asio::io_context io;
  test_dns_server server(io);
  script_all(server);
  resolver r(io.get_executor(), options_for(server));

  auto mx = run_awaitable(io, r.mx("mx.test"));
  CHECK(mx.outcome == dns_outcome::ok);
  REQUIRE(mx.records.size() == 1);
  CHECK(mx.records[0] == policy::mx_record{10, feedback});

  CHECK(run_awaitable(io, r.mx("two.test")).records.size() == 2);
  CHECK(run_awaitable(io, r.mx("nx.test")).outcome == dns_outcome::nxdomain);
  CHECK(run_awaitable(io, r.mx("sf.test")).outcome == dns_outcome::servfail);
  CHECK(run_awaitable(io, r.mx("ref.test")).outcome == dns_outcome::refused);
  CHECK(run_awaitable(io, r.mx("nodata.test")).outcome == dns_outcome::nodata);
  CHECK(run_awaitable(io, r.mx("garbage.test")).outcome == dns_outcome::bad_response);
  CHECK(run_awaitable(io, r.txt("nx.test")).outcome == dns_outcome::nxdomain);

  auto txt = run_awaitable(io, r.txt("mx.test"));
  CHECK(txt.outcome == dns_outcome::ok);
  CHECK(txt.texts == std::vector<std::string>{"v=spf1 include:amazonses.com ~all"});

  auto a = run_awaitable(io, r.a("host.test"));
  CHECK(a.outcome == dns_outcome::ok);
  CHECK(a.addresses == std::vector<std::string>{"192.0.2.7"});
  auto aaaa = run_awaitable(io, r.aaaa("host.test"));
  CHECK(aaaa.outcome == dns_outcome::ok);
  CHECK(aaaa.addresses == std::vector<std::string>{"2001:db8::7"});
}

TEST_CASE("resolver: no answer within the timeout is a timeout") {
  asio::io_context io;
  test_dns_server server(io);
  script_all(server);
  resolver r(io.get_executor(), options_for(server));
  auto started = std::chrono::steady_clock::now();
  CHECK(run_awaitable(io, r.mx("silent.test")).outcome == dns_outcome::timeout);
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= 150ms);
  CHECK(took < 2s);
  CHECK(server.queries("silent.test") == 1);  // tries = 1
}

TEST_CASE("resolver: a truncated UDP answer is asked again over TCP") {
  asio::io_context io;
  test_dns_server server(io);
  if (!server.has_tcp()) {
    MESSAGE("TCP port next to the UDP one is taken; skipped");
    return;
  }
  script_all(server);
  resolver r(io.get_executor(), options_for(server));
  auto mx = run_awaitable(io, r.mx("tc.test"));
  CHECK(mx.outcome == dns_outcome::ok);
  CHECK(mx.records.size() == 1);
  CHECK(server.tcp_queries() == 1);
}

TEST_CASE("resolver: many lookups at once all complete") {
  asio::io_context io;
  test_dns_server server(io);
  script_all(server);
  resolver r(io.get_executor(), options_for(server));
  int ok = 0, nx = 0;
  for (int i = 0; i < 40; ++i) {
    asio::co_spawn(io, r.mx(i % 2 ? "mx.test" : "nx.test"), [&](std::exception_ptr, policy::mx_answer answer) {
      (answer.outcome == dns_outcome::ok ? ok : nx)++;
    });
  }
  CHECK(run_until(io, [&] { return ok + nx == 40; }));
  CHECK(ok == 20);
  CHECK(nx == 20);
}

TEST_CASE("resolver_mail_from_checker: MX and TXT of one domain") {
  asio::io_context io;
  test_dns_server server(io);
  script_all(server);
  resolver r(io.get_executor(), options_for(server));
  resolver_mail_from_checker checker(r);
  auto check = run_awaitable(io, checker.check("mx.test"));
  CHECK(check.mx.outcome == dns_outcome::ok);
  CHECK(check.mx.records.size() == 1);
  CHECK(check.txt.outcome == dns_outcome::ok);
  CHECK(check.txt.texts.size() == 1);
}

TEST_CASE("resolver: mx_and_txt completes once with both answers, each with its own outcome") {
  asio::io_context io;
  test_dns_server server(io);
  script_all(server);
  server.script("mxonly.test", type_mx, {.answers = {record("mxonly.test", type_mx, mx_rdata(10, feedback))}});
  server.script("mxonly.test", type_txt, {.rcode = rcode_servfail});
  resolver r(io.get_executor(), options_for(server));

  auto [mx, txt] = run_awaitable(io, r.mx_and_txt("mx.test"));
  CHECK(mx.records == std::vector<policy::mx_record>{{10, feedback}});
  CHECK(txt.texts == std::vector<std::string>{"v=spf1 include:amazonses.com ~all"});

  auto [mx_only, failed_txt] = run_awaitable(io, r.mx_and_txt("mxonly.test"));
  CHECK(mx_only.outcome == dns_outcome::ok);
  CHECK(failed_txt.outcome == dns_outcome::servfail);

  auto [nx_mx, nx_txt] = run_awaitable(io, r.mx_and_txt("nx.test"));
  CHECK(nx_mx.outcome == dns_outcome::nxdomain);
  CHECK(nx_txt.outcome == dns_outcome::nxdomain);

  auto [silent_mx, silent_txt] = run_awaitable(io, r.mx_and_txt("silent.test"));  // both time out
  CHECK(silent_mx.outcome == dns_outcome::timeout);
  CHECK(silent_txt.outcome == dns_outcome::timeout);

  r.shutdown();  // after shutdown: at once, both timeout
  auto [late_mx, late_txt] = run_awaitable(io, r.mx_and_txt("mx.test"), 1s);
  CHECK(late_mx.outcome == dns_outcome::timeout);
  CHECK(late_txt.outcome == dns_outcome::timeout);
}

TEST_CASE("resolver: an IPv6 loopback server") {
  asio::io_context io;
  std::unique_ptr<test_dns_server> server;
  try {
    server = std::make_unique<test_dns_server>(io, "::1");
  } catch (const std::exception& e) {
    MESSAGE("no IPv6 loopback here (" << e.what() << "); skipped");
    return;
  }
  script_all(*server);
  resolver r(io.get_executor(), options_for(*server, "::1"));
  CHECK(run_awaitable(io, r.mx("mx.test")).outcome == dns_outcome::ok);
}

TEST_CASE("resolver: unreachable server and bad names end in the closed set") {
  asio::io_context io;
  std::uint16_t closed_port = 0;
  {
    asio::ip::udp::socket probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    closed_port = probe.local_endpoint().port();
  }
  // Port unreachable: c-ares closes the socket and opens another for each try, inside
  // ares_process_fd; the watch set must follow (fd numbers are reused).
  resolver r(io.get_executor(), {{{"127.0.0.1", closed_port}}, std::chrono::milliseconds(300), 3});
  auto started = std::chrono::steady_clock::now();
  CHECK(run_awaitable(io, r.mx("mx.test")).outcome == dns_outcome::timeout);
  CHECK(std::chrono::steady_clock::now() - started < 3s);

  CHECK(run_awaitable(io, r.mx(std::string("a\0b.test", 8))).outcome == dns_outcome::bad_response);
  CHECK(run_awaitable(io, r.mx(std::string(300, 'a') + ".test")).outcome == dns_outcome::bad_response);

  CHECK_THROWS_AS(resolver(io.get_executor(), {{{"not-an-address", 53}}, std::chrono::milliseconds(100), 1}),
                  std::invalid_argument);
}

TEST_CASE("resolver: shutdown ends queries in flight with timeout; later ones at once") {
  asio::io_context io;
  test_dns_server server(io);
  script_all(server);
  resolver r(io.get_executor(), options_for(server, "127.0.0.1", std::chrono::seconds(5)));
  int done = 0;
  policy::mx_answer first;
  asio::co_spawn(io, r.mx("silent.test"), [&](std::exception_ptr, policy::mx_answer a) {
    first = std::move(a);
    ++done;
  });
  REQUIRE(run_until(io, [&] { return server.queries("silent.test") == 1; }));
  auto started = std::chrono::steady_clock::now();
  r.shutdown();
  REQUIRE(run_until(io, [&] { return done == 1; }, 1s));
  CHECK(first.outcome == dns_outcome::timeout);
  CHECK(std::chrono::steady_clock::now() - started < 1s);

  CHECK(run_awaitable(io, r.mx("mx.test"), 1s).outcome == dns_outcome::timeout);
  CHECK(server.queries("mx.test") == 0);
  r.shutdown();  // twice is fine
}

TEST_CASE("resolver: destroying it with queries in flight completes them") {
  asio::io_context io;
  test_dns_server server(io);
  script_all(server);
  auto r = std::make_unique<resolver>(io.get_executor(), options_for(server, "127.0.0.1", std::chrono::seconds(5)));
  std::vector<dns_outcome> outcomes;
  for (const char* name : {"silent.test", "silent.test", "mx.test"}) {
    asio::co_spawn(io, r->mx(name), [&](std::exception_ptr, policy::mx_answer a) { outcomes.push_back(a.outcome); });
  }
  // mx.test answers; the two silent ones stay in flight.
  REQUIRE(run_until(io, [&] { return outcomes.size() == 1; }));
  CHECK(outcomes[0] == dns_outcome::ok);

  // Destroyed from inside a handler on the io_context, as relay/ would on shutdown.
  asio::steady_timer later(io, 20ms);
  later.async_wait([&](boost::system::error_code) { r.reset(); });
  REQUIRE(run_until(io, [&] { return outcomes.size() == 3; }, 1s));
  CHECK(outcomes[1] == dns_outcome::timeout);
  CHECK(outcomes[2] == dns_outcome::timeout);
  run_for(io, 50ms);  // late socket and timer completions find nothing to touch
}

TEST_CASE("resolver: a lookup's coroutine may shut the resolver down when it resumes") {
  asio::io_context io;
  test_dns_server server(io);
  script_all(server);
  resolver r(io.get_executor(), options_for(server));
  auto body = [](resolver& res) -> asio::awaitable<dns_outcome> {
    auto mx = co_await res.mx("mx.test");
    res.shutdown();  // resumed outside c-ares: no channel destroyed under its own callback
    co_return mx.outcome;
  };
  CHECK(run_awaitable(io, body(r)) == dns_outcome::ok);
}

}  // namespace
}  // namespace mfrelay::dns
