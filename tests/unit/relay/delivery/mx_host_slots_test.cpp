// [delivery] connections_per_host: slots per MX host address shared by every
// domain, first come first served, handed straight to the next waiter, idle
// holders asked to leave when someone waits, a cancelled wait takes nothing.
#include "relay/delivery/mx_host_slots.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/test_io.hpp"

namespace mfrelay::relay {
namespace {

namespace asio = boost::asio;
using mfrelay::test::run_for;
using mfrelay::test::run_until;

// One would-be connection: takes a slot at `address` in its own coroutine.
struct taker {
  taker(asio::io_context& i, mx_host_slots& s, std::string a) : io(i), slots(s), address(std::move(a)) {}
  asio::io_context& io;
  mx_host_slots& slots;
  std::string address;
  asio::steady_timer timer{io};
  bool cancelled = false;
  std::optional<bool> got;

  void start() {
    asio::co_spawn(io, [this]() -> asio::awaitable<void> { got = co_await slots.take(address, timer, cancelled); },
                   asio::detached);
  }
};

TEST_CASE("mx_host_slots: at most `limit` per address across domains; the next waiter gets a freed slot") {
  asio::io_context io;
  mx_host_slots slots(2);
  std::vector<std::string> contention;
  slots.on_contention = [&](const std::string& address) { contention.push_back(address); };

  taker a{io, slots, "192.0.2.1"}, b{io, slots, "192.0.2.1"}, c{io, slots, "192.0.2.1"}, d{io, slots, "192.0.2.1"};
  taker other{io, slots, "192.0.2.2"};
  for (auto* t : {&a, &b, &c, &d, &other}) t->start();
  run_for(io, std::chrono::milliseconds(20));
  CHECK(a.got == true);
  CHECK(b.got == true);
  CHECK_FALSE(c.got);  // waiting: the host has two connections already
  CHECK_FALSE(d.got);
  CHECK(other.got == true);  // another host is not held up
  CHECK(slots.in_use("192.0.2.1") == 2);
  CHECK(contention == std::vector<std::string>{"192.0.2.1", "192.0.2.1"});

  auto snapshot = slots.snapshot();
  REQUIRE(snapshot.size() == 2);
  CHECK(snapshot[0].address == "192.0.2.1");
  CHECK(snapshot[0].connections == 2);
  CHECK(snapshot[1].connections == 1);

  slots.give_back("192.0.2.1");  // a's connection closed: c (first in line) gets its slot
  REQUIRE(run_until(io, [&] { return c.got.has_value(); }));
  CHECK(c.got == true);
  CHECK_FALSE(d.got);
  CHECK(slots.in_use("192.0.2.1") == 2);  // never above the limit

  // d gives up (abort): no slot, and the count is untouched.
  d.cancelled = true;
  d.timer.cancel();
  REQUIRE(run_until(io, [&] { return d.got.has_value(); }));
  CHECK(d.got == false);
  CHECK(slots.in_use("192.0.2.1") == 2);

  for (auto address : {"192.0.2.1", "192.0.2.1", "192.0.2.2"}) slots.give_back(address);
  CHECK(slots.snapshot().empty());
  slots.give_back("192.0.2.9");  // never taken: ignored
  CHECK(slots.in_use("192.0.2.9") == 0);
}

TEST_CASE("mx_host_slots: a newcomer does not jump the queue") {
  asio::io_context io;
  mx_host_slots slots(1);
  taker first{io, slots, "198.51.100.7"}, waiting{io, slots, "198.51.100.7"};
  first.start();
  waiting.start();
  run_for(io, std::chrono::milliseconds(20));
  REQUIRE(first.got == true);
  REQUIRE_FALSE(waiting.got);
  slots.give_back("198.51.100.7");
  taker newcomer{io, slots, "198.51.100.7"};
  newcomer.start();  // arrives before the waiter has run again: the slot is the waiter's
  run_for(io, std::chrono::milliseconds(20));
  CHECK(waiting.got == true);
  CHECK_FALSE(newcomer.got);
  slots.give_back("198.51.100.7");
  REQUIRE(run_until(io, [&] { return newcomer.got.has_value(); }));
  slots.give_back("198.51.100.7");
  CHECK(slots.snapshot().empty());
}

}  // namespace
}  // namespace mfrelay::relay
