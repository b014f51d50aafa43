// DmarcVerdictChange: the new verdict, what it was, and the identity's policy object.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "relay/events/dmarc_verdict_event.hpp"

namespace mfrelay::relay {

TEST_CASE("a DMARC verdict change event says what changed") {
  policy::identity id;
  id.name = "example.com";
  id.mail_from_domain = "bounce.example.com";
  boost::json::object before{{"result", "fail"}, {"aligned", "neither"}, {"policy", "reject"}};
  boost::json::object after{{"result", "pass"}, {"aligned", "spf"}, {"policy", "reject"}};
  auto e = dmarc_verdict_event(id, after, before, policy::timestamp{});
  CHECK(e.at("eventType") == "DmarcVerdictChange");
  const auto& c = e.at("dmarcVerdictChange").as_object();
  CHECK(c.at("identity") == "example.com");
  CHECK(c.at("result") == "pass");
  CHECK(c.at("previousResult") == "fail");
  CHECK(c.at("previousAligned") == "neither");
  CHECK(e.at("policy").as_object().at("mailFromDomain") == "bounce.example.com");
  CHECK(e.at("session").is_null());
  auto first = dmarc_verdict_event(id, after, std::nullopt, policy::timestamp{});
  CHECK(first.at("dmarcVerdictChange").as_object().at("previousResult").is_null());
}

}  // namespace mfrelay::relay
