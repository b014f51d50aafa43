// The admin HTTP server's connection limits and deadlines over loopback: a
// client that holds connections open (partial request lines, idle keep-alive)
// must not keep another client out. 127.0.0.2 plays the other client.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "server_fixture.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;

std::string healthz(const server_fixture& f) {
  return "GET /healthz HTTP/1.1\r\nHost: " + f.host() + "\r\n\r\n";
}

policy::config limited(std::uint32_t total, std::uint32_t per_client) {
  policy::config cfg = admin_config();
  cfg.admin.max_connections = total;
  cfg.admin.max_connections_per_client = per_client;
  return cfg;
}

TEST_CASE("one address holding partial request lines cannot fill the server") {
  server_fixture f(limited(8, 4));
  std::vector<std::unique_ptr<raw_client>> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::make_unique<raw_client>(f.endpoint(), "127.0.0.2"));
    try {
      slow.back()->send("GET /hea");  // never finished
    } catch (const std::exception&) {  // already closed
    }
    std::this_thread::sleep_for(30ms);  // read by the server: busy, not idle
  }
  // Four are held; the other four were refused (closed at once).
  CHECK(f.wait_connections(4));
  for (std::size_t i = 4; i < slow.size(); ++i) CHECK(slow[i]->closed());

  raw_client other(f.endpoint(), "127.0.0.1");
  CHECK(other.exchange(healthz(f)).result_int() == 200);
}

TEST_CASE("at the cap, the connection idle longest between requests makes room") {
  server_fixture f(limited(2, 2));
  raw_client oldest(f.endpoint());
  CHECK(oldest.exchange(healthz(f)).result_int() == 200);  // kept alive, idle
  std::this_thread::sleep_for(20ms);
  raw_client newer(f.endpoint());
  CHECK(newer.exchange(healthz(f)).result_int() == 200);
  REQUIRE(f.wait_connections(2));

  raw_client third(f.endpoint());  // from the same address: it makes room among its own
  CHECK(third.exchange(healthz(f)).result_int() == 200);
  CHECK(oldest.closed());
  CHECK(newer.exchange(healthz(f)).result_int() == 200);
}

TEST_CASE("a connection in the middle of a request is not closed to make room") {
  server_fixture f(limited(2, 2));
  raw_client a(f.endpoint());
  raw_client b(f.endpoint());
  a.send("GET /healthz HTTP/1.1\r\n");  // busy: part of a request read
  b.send("GET /healthz HTTP/1.1\r\n");
  REQUIRE(f.wait_connections(2));
  std::this_thread::sleep_for(50ms);  // both partial lines read
  raw_client refused(f.endpoint());
  CHECK(refused.closed());
  a.send("Host: " + f.host() + "\r\n\r\n");
  CHECK(a.read().result_int() == 200);
}

TEST_CASE("a request header trickled byte by byte ends at header_timeout") {
  policy::config cfg = admin_config();
  cfg.admin.header_timeout = 400ms;
  server_fixture f(cfg);
  raw_client c(f.endpoint());
  std::string request = healthz(f);
  auto start = std::chrono::steady_clock::now();
  bool cut = false;
  // One byte every 50 ms would take over a second for the whole request.
  for (char ch : request) {
    try {
      c.send(std::string_view(&ch, 1));
    } catch (const std::exception&) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(50ms);
    if (std::chrono::steady_clock::now() - start > 2s) break;
  }
  CHECK((cut || c.closed()));
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  CHECK(f.wait_connections(0));
}

TEST_CASE("a kept-alive connection closes after idle_timeout") {
  policy::config cfg = admin_config();
  cfg.admin.idle_timeout = 200ms;
  server_fixture f(cfg);
  raw_client c(f.endpoint());
  CHECK(c.exchange(healthz(f)).result_int() == 200);
  CHECK(f.wait_connections(0, 2s));
  CHECK(c.closed());
}

}  // namespace
}  // namespace mfrelay::relay
