// Recipients grouped by destination: [[route]] per domain, then "*", then
// [delivery] mode; one MX destination per domain, one per smarthost.
#include "relay/delivery/delivery_destination.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace mfrelay::relay {
namespace {

policy::delivery_settings mx_with_partner_route() {
  policy::delivery_settings d;
  d.mode = policy::delivery_mode::mx;
  d.connections_per_destination = 3;
  policy::smarthost_settings partner;
  partner.name = "partner";
  partner.address = {"127.0.0.1", 2526};
  d.smarthosts.push_back(partner);
  d.routes.push_back({"partner.example", "partner", true, {}});
  return d;
}

TEST_CASE("recipient_domain: lower case, A-labels, no trailing dot") {
  CHECK(recipient_domain("a@Example.ORG") == "example.org");
  CHECK(recipient_domain("a@example.org.") == "example.org");
  CHECK(recipient_domain("a@D\xC3\xA9st.test") == "xn--dst-bma.test");
  CHECK(recipient_domain("no-domain") == "");
}

TEST_CASE("group_by_destination: one group per MX domain, routed domains to their smarthost") {
  const auto d = mx_with_partner_route();
  auto groups = group_by_destination(
      {"a@alpha.test", "b@beta.test", "a2@ALPHA.test", "p@partner.example", "p2@partner.example"}, d);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].destination.key == "mx:alpha.test");
  CHECK(groups[0].destination.mx);
  CHECK(groups[0].destination.domain == "alpha.test");
  CHECK(groups[0].destination.connections == 3);
  CHECK(groups[0].recipients == std::vector<std::string>{"a@alpha.test", "a2@ALPHA.test"});
  CHECK(groups[1].destination.key == "mx:beta.test");
  CHECK_FALSE(groups[2].destination.mx);
  CHECK(groups[2].destination.smarthost.name == "partner");
  CHECK(groups[2].destination.label == "partner");
  CHECK(groups[2].destination.require_tls);  // the route's override
  CHECK(groups[2].recipients == std::vector<std::string>{"p@partner.example", "p2@partner.example"});

  // An address literal has no domain to look up: an MX destination of its own (bounced there), never a smarthost.
  auto literal = group_by_destination({"x@[192.0.2.1]"}, d);
  REQUIRE(literal.size() == 1);
  CHECK(literal[0].destination.mx);
  CHECK(literal[0].destination.domain == "");
}

TEST_CASE("group_by_destination: smarthost mode sends every domain in one transaction, as before routes") {
  policy::delivery_settings d;  // mode smarthost, 127.0.0.1:10026
  auto groups = group_by_destination({"a@alpha.test", "b@beta.test"}, d);
  REQUIRE(groups.size() == 1);
  CHECK_FALSE(groups[0].destination.mx);
  CHECK(groups[0].destination.label == "127.0.0.1:10026");
  CHECK(groups[0].recipients.size() == 2);
  // A "*" route to MX overrides the mode.
  d.routes.push_back({"*", "mx", std::nullopt, {}});
  CHECK(group_by_destination({"a@alpha.test", "b@beta.test"}, d).size() == 2);
}

}  // namespace
}  // namespace mfrelay::relay
