#include "relay/state/status_json.hpp"

#include <boost/json.hpp>

#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

boost::json::value optional_time(const std::optional<policy::timestamp>& t) {
  if (!t) return nullptr;
  return boost::json::string(iso8601(*t));
}

}  // namespace

boost::json::object status_row_json(const identity_status& row) {
  const policy::identity& id = *row.identity;
  boost::json::object o;
  o["identity"] = id.name;
  o["mailFromDomain"] = id.has_mail_from() ? boost::json::value(id.mail_from_domain) : nullptr;
  auto status = row.status();
  o["status"] = status ? boost::json::value(to_string(*status)) : nullptr;
  o["behaviorOnMxFailure"] = to_string(id.behavior);
  o["since"] = row.stored ? optional_time(row.stored->state.since) : nullptr;
  o["lastCheck"] = row.stored ? optional_time(row.stored->last_check) : nullptr;
  if (row.stored) o["reason"] = row.stored->reason;
  else o["reason"] = id.has_mail_from() ? boost::json::value("not checked yet") : nullptr;
  o["spf"] = row.stored ? boost::json::value(to_string(row.stored->spf)) : nullptr;
  return o;
}

boost::json::array status_json(const policy::config& cfg, const std::vector<stored_state>& stored,
                               const dmarc_view* dmarc) {
  boost::json::array rows;
  const auto warnings = mail_from_warnings_by_identity(cfg.identities);
  for (const auto& row : join_states(cfg, stored)) {
    boost::json::object o = status_row_json(row);
    o["dmarc"] = dmarc ? boost::json::value(dmarc_json(dmarc_verdict_of(row, cfg, *dmarc))) : nullptr;
    auto w = warnings.find(row.identity->name);
    o["mailFromWarning"] = w != warnings.end() ? boost::json::value(w->second) : nullptr;
    rows.push_back(std::move(o));
  }
  return rows;
}

}  // namespace mfrelay::relay
