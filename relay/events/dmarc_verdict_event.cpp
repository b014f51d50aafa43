#include "relay/events/dmarc_verdict_event.hpp"

#include <boost/json.hpp>

#include "relay/common/clock.hpp"

namespace mfrelay::relay {

boost::json::object dmarc_verdict_event(const policy::identity& id, const boost::json::object& verdict,
                                        const std::optional<boost::json::object>& previous, policy::timestamp at) {
  boost::json::object change = verdict;
  change["identity"] = id.name;
  change["previousResult"] = previous ? previous->at("result") : boost::json::value(nullptr);
  change["previousAligned"] = previous ? previous->at("aligned") : boost::json::value(nullptr);
  change["previousPolicy"] = previous ? previous->at("policy") : boost::json::value(nullptr);
  return {
      {"eventType", "DmarcVerdictChange"},
      {"timestamp", iso8601(at)},
      {"dmarcVerdictChange", std::move(change)},
      {"policy",
       {{"identity", id.name},
        {"mailFromDomain", id.has_mail_from() ? boost::json::value(id.mail_from_domain) : nullptr},
        {"status", nullptr},
        {"behaviorOnMxFailure", to_string(id.behavior)},
        {"decision", nullptr},
        {"returnPath", nullptr}}},
      {"session", nullptr},
  };
}

}  // namespace mfrelay::relay
