// Per-destination gauges: counts per destination, never below zero, a
// destination forgotten once it has neither messages nor connections.
#include "relay/delivery/destination_gauges.hpp"

#include <doctest/doctest.h>

namespace mfrelay::relay {
namespace {

TEST_CASE("destination_gauges: per destination, forgotten at zero") {
  destination_gauges g;
  g.add_queued("alpha.test", 2);
  g.add_connections("alpha.test", 1);
  g.add_queued("partner", 1);
  auto s = g.snapshot();
  REQUIRE(s.size() == 2);
  CHECK(s[0].destination == "alpha.test");
  CHECK(s[0].queued == 2);
  CHECK(s[0].connections == 1);
  CHECK(s[1].destination == "partner");
  g.add_queued("alpha.test", -2);
  CHECK(g.snapshot().size() == 2);  // a connection is still open
  g.add_connections("alpha.test", -1);
  g.add_queued("partner", -5);  // never below zero
  CHECK(g.snapshot().empty());
}

}  // namespace
}  // namespace mfrelay::relay
