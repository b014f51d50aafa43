#include "relay/events/status_change_event.hpp"

#include <boost/json/parse.hpp>

#include "policy/dkim_check.hpp"
#include "relay/common/clock.hpp"

namespace mfrelay::relay {

boost::json::object dns_evidence(const dns::dns_check& answers) {
  if (!answers.selectors.empty()) {
    boost::json::array names;
    for (std::size_t i = 0; i < answers.selectors.size(); ++i) {
      boost::json::array records;
      for (const auto& t : answers.selectors[i].texts) records.push_back(boost::json::string(policy::printable(t)));
      names.push_back({{"name", i < answers.selector_names.size() ? policy::printable(answers.selector_names[i]) : ""},
                       {"outcome", to_string(answers.selectors[i].outcome)},
                       {"records", std::move(records)}});
    }
    return {{"dkim", std::move(names)}};
  }
  boost::json::array mx;
  for (const auto& r : answers.mx.records)
    mx.push_back(boost::json::string(std::to_string(r.preference) + ' ' + policy::printable(r.exchange)));
  boost::json::array txt;
  for (const auto& t : answers.txt.texts) txt.push_back(boost::json::string(policy::printable(t)));
  return {
      {"mx", {{"outcome", to_string(answers.mx.outcome)}, {"records", std::move(mx)}}},
      {"txt", {{"outcome", to_string(answers.txt.outcome)}, {"records", std::move(txt)}}},
  };
}

boost::json::object status_change_event(const state_transition& t, const stored_state& current,
                                        const policy::identity* id) {
  const std::string at = iso8601(t.at);  // the change's time is also the event's
  boost::json::object change{
      {"identity", t.identity},
      {"mailFromDomain", t.mail_from_domain},
      {"previousStatus", t.from ? boost::json::value(to_string(*t.from)) : nullptr},
      {"status", to_string(t.to)},
      {"since", at},
      {"reason", t.reason},
      {"spf", to_string(current.spf)},
      {"spfReason", current.spf_reason},
  };
  boost::json::error_code ec;
  boost::json::value evidence = t.evidence.empty() ? boost::json::value(nullptr) : boost::json::parse(t.evidence, ec);
  change["dns"] = ec ? boost::json::value(nullptr) : evidence;
  return {
      {"eventType", "MailFromDomainStatusChange"},
      {"timestamp", at},
      {"mailFromDomainStatusChange", std::move(change)},
      {"policy",
       {{"identity", t.identity},
        {"mailFromDomain", t.mail_from_domain},
        {"status", to_string(t.to)},
        {"behaviorOnMxFailure", id ? boost::json::value(to_string(id->behavior)) : nullptr},
        {"decision", nullptr},
        {"returnPath", nullptr}}},
      {"session", nullptr},
  };
}

boost::json::object dkim_status_change_event(const state_transition& t) {
  boost::json::error_code ec;
  boost::json::value evidence = t.evidence.empty() ? boost::json::value(nullptr) : boost::json::parse(t.evidence, ec);
  boost::json::array tokens;
  for (const auto& selector : policy::dkim_setting_selectors(t.mail_from_domain)) tokens.emplace_back(selector);
  const std::string at = iso8601(t.at);
  return {
      {"eventType", "DkimStatusChange"},
      {"timestamp", at},
      {"dkimStatusChange",
       {{"identity", t.identity},
        {"tokens", std::move(tokens)},
        {"previousStatus", t.from ? boost::json::value(to_v2_string(*t.from)) : nullptr},
        {"status", to_v2_string(t.to)},
        {"since", at},
        {"reason", t.reason},
        {"dns", ec ? boost::json::value(nullptr) : evidence}}},
      {"session", nullptr},
  };
}

}  // namespace mfrelay::relay
