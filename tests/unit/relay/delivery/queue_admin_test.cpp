// The delivery queue as `mfrelay queue` sees it: list (recipients left, attempts,
// last error, next attempt), flush (a waiting message is tried now, not at its
// retry time) and remove (gone from the queue and the spool, nothing sent).
#include <doctest/doctest.h>

#include "queue_fixture.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

template <class T>
T await(boost::asio::io_context& io, boost::asio::awaitable<T> a) {
  return run_awaitable(io, std::move(a));
}

TEST_CASE("queue admin: list shows the deferral; flush retries now; remove drops it from the spool") {
  queue_fixture f;
  bool accept = false;
  f.smarthost.rcpt_reply = [&](const std::string& address) {
    if (address == "b@example.net" && !accept) return std::string("451 4.3.0 mailbox busy\r\n");
    return std::string("250 2.1.5 Ok\r\n");
  };
  auto settings = f.settings();
  settings.delivery.retry_schedule = {1h};  // only a flush brings the next attempt within the test
  envelope first = f.commit({"a@example.net", "b@example.net"}, "m\r\n", relay::now() - 10s);
  envelope second = f.commit({"b@example.net"}, "m\r\n");
  f.start(settings);
  REQUIRE(run_until(f.io, [&] { return f.observer.count("DeliveryDelay") == 2; }));

  auto listed = await(f.io, f.queue->list());
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].id == first.id);  // oldest first
  CHECK(listed[0].recipients == strings{"b@example.net"});
  CHECK(listed[0].sender == "app@example.com");
  CHECK(listed[0].destination == "127.0.0.1:" + std::to_string(f.smarthost.port()));
  CHECK(listed[0].attempts == 1);
  CHECK(listed[0].last_error == "smtp; 451 4.3.0 mailbox busy");
  REQUIRE(listed[0].next_attempt);
  CHECK(*listed[0].next_attempt > relay::now() + 50min);
  CHECK_FALSE(listed[0].in_flight);

  CHECK(await(f.io, f.queue->remove(second.id)) == queue_removal::removed);
  CHECK(await(f.io, f.queue->remove(second.id)) == queue_removal::not_found);
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 1; }));

  accept = true;
  CHECK(await(f.io, f.queue->flush()) == 1);
  REQUIRE(run_until(f.io, [&] { return f.observer.count("Delivery") == 2; }));
  REQUIRE(run_until(f.io, [&] { return f.spool.depth() == 0; }));
  CHECK(await(f.io, f.queue->list()).empty());
  // The removed message was never sent again: b@ got exactly one message, the flushed one.
  std::size_t to_b = 0;
  for (const auto& m : f.smarthost.messages)
    for (const auto& r : m.recipients) to_b += r == "b@example.net";
  CHECK(to_b == 1);
}

}  // namespace
}  // namespace mfrelay::relay
