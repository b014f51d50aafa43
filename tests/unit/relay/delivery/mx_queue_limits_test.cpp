// The delivery queue in direct (MX) delivery, against the in-process test DNS
// server and one fake SMTP host that two recipient domains share as their MX:
// connections_per_host holds across both domains' lanes, messages_per_connection
// recycles sessions, and a CNAME loop on the domain bounces without connecting.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "dns/resolver.hpp"
#include "dns/test_dns_server.hpp"
#include "queue_fixture.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
using namespace dns::test;

// A queue fixture whose MX lookups go to a scripted DNS server. The queue stops
// before the resolver goes, and the resolver before the DNS server.
struct mx_queue {
  queue_fixture f;
  test_dns_server dns{f.io};
  std::unique_ptr<dns::resolver> resolver;

  mx_queue() {
    dns::resolver_options o;
    o.servers = {{"127.0.0.1", dns.port()}};
    o.timeout = std::chrono::milliseconds(500);
    o.tries = 1;
    resolver = std::make_unique<dns::resolver>(f.io.get_executor(), o);
    // one.test and two.test: MX 10 mx.provider.test, which is 127.0.0.1 (the fake host).
    for (const char* domain : {"one.test", "two.test"})
      dns.script(domain, type_mx, {rcode_noerror, {record(domain, type_mx, mx_rdata(10, "mx.provider.test"))}});
    dns.script("mx.provider.test", type_a,
               {rcode_noerror, {record("mx.provider.test", type_a, address_rdata(AF_INET, "127.0.0.1"))}});
    dns.script("mx.provider.test", type_aaaa, {rcode_noerror, {}});
  }
  ~mx_queue() {
    if (f.queue) {
      f.stop();
      f.queue.reset();
    }
    resolver->shutdown();
    resolver.reset();
  }

  delivery_queue_settings settings() const {
    delivery_queue_settings s = f.settings();
    s.delivery.mode = policy::delivery_mode::mx;
    s.delivery.mx_port = f.smarthost.port();
    s.resolver = resolver.get();
    return s;
  }
};

TEST_CASE("delivery_queue (mx): two domains on one MX host share connections_per_host; sessions recycled") {
  mx_queue m;
  for (int i = 0; i < 6; ++i) {
    m.f.commit({"u" + std::to_string(i) + "@one.test"}, "m\r\n");
    m.f.commit({"u" + std::to_string(i) + "@two.test"}, "m\r\n");
  }
  auto s = m.settings();
  s.delivery.connections_per_destination = 3;  // 6 sessions for the two domains together...
  s.delivery.connections_per_host = 2;         // ...but the host they share takes 2
  s.delivery.messages_per_connection = 2;
  m.f.start(s);
  std::size_t most_open = 0, most_gauge = 0;
  REQUIRE(run_until(m.f.io, [&] {
    most_open = std::max(most_open, m.f.smarthost.open);
    for (const auto& g : m.f.queue->stats().mx_hosts) most_gauge = std::max(most_gauge, g.connections);
    return m.f.observer.events.size() == 12;
  }));
  CHECK(m.f.observer.count("Delivery") == 12);
  CHECK(most_open == 2);  // the limit, reached and never passed
  CHECK(most_gauge <= 2);
  std::map<std::size_t, int> per_session;
  for (const auto& message : m.f.smarthost.messages) ++per_session[message.session];
  for (const auto& [session, n] : per_session) CHECK(n <= 2);
  CHECK(per_session.size() >= 6);
  REQUIRE(run_until(m.f.io, [&] { return m.f.queue->stats().mx_hosts.empty(); }));  // idle sessions QUIT
}

TEST_CASE("delivery_queue (mx): a recipient domain that is a CNAME loop bounces 5.4.4 without connecting") {
  mx_queue m;
  m.dns.script("a.loop.test", type_mx,
               {rcode_noerror,
                {record("a.loop.test", type_cname, encode_name("b.loop.test")),
                 record("b.loop.test", type_cname, encode_name("a.loop.test"))}});
  m.f.commit({"x@a.loop.test"}, "m\r\n");
  m.f.start(m.settings());
  REQUIRE(m.f.wait_for(1));
  REQUIRE(m.f.observer.events[0].type == "Bounce");
  CHECK(m.f.observer.events[0].recipients[0].verdict.status == "5.4.4");
  CHECK(m.f.smarthost.sessions == 0);
}

}  // namespace
}  // namespace mfrelay::relay
