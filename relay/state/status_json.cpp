#include "relay/state/status_json.hpp"

#include <map>
#include <string_view>

#include <boost/json.hpp>

#include "policy/dkim_check.hpp"
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

namespace {

// The DKIM store's rows by identity: one pass, not one scan per status row.
std::map<std::string_view, const stored_state*> by_identity(const std::vector<stored_state>& rows) {
  std::map<std::string_view, const stored_state*> out;
  for (const auto& s : rows) out[s.identity] = &s;
  return out;
}

const stored_state* find_row(const std::map<std::string_view, const stored_state*>& rows, const std::string& name) {
  auto it = rows.find(name);
  return it == rows.end() ? nullptr : it->second;
}

boost::json::array rows_json(const policy::config& cfg, const std::vector<identity_status>& joined,
                             const std::vector<stored_state>* dkim_stored, const dmarc_view* dmarc) {
  boost::json::array rows;
  const auto warnings = mail_from_warnings_by_identity(cfg.identities);
  const auto dkim_rows = dkim_stored ? by_identity(*dkim_stored) : std::map<std::string_view, const stored_state*>{};
  for (const auto& row : joined) {
    boost::json::object o = status_row_json(row);
    if (dkim_stored) o["dkim"] = dkim_json(*row.identity, find_row(dkim_rows, row.identity->name));
    o["dmarc"] = dmarc ? boost::json::value(dmarc_json(dmarc_verdict_of(row, cfg, *dmarc))) : nullptr;
    auto w = warnings.find(row.identity->name);
    o["mailFromWarning"] = w != warnings.end() ? boost::json::value(w->second) : nullptr;
    rows.push_back(std::move(o));
  }
  return rows;
}

}  // namespace

boost::json::array status_json(const policy::config& cfg, const std::vector<stored_state>& stored,
                               const dmarc_view* dmarc) {
  return rows_json(cfg, join_states(cfg, stored), nullptr, dmarc);
}

boost::json::object dkim_json(const policy::identity& id, const stored_state* stored) {
  if (!id.dkim) stored = nullptr;  // DKIM off: NOT_STARTED, whatever is left in the store
  boost::json::object o;
  o["status"] = policy::dkim_status_text(stored ? std::optional(stored->state) : std::nullopt);
  boost::json::array tokens;
  if (stored) {
    for (const auto& selector : policy::dkim_setting_selectors(stored->mail_from_domain)) tokens.emplace_back(selector);
  }
  o["tokens"] = std::move(tokens);
  o["since"] = stored ? optional_time(stored->state.since) : nullptr;
  o["lastCheck"] = stored ? optional_time(stored->last_check) : nullptr;
  if (stored) o["reason"] = stored->reason;
  else o["reason"] = id.dkim ? "no keys yet: mfrelay serve generates them" : "dkim = false";
  return o;
}

void add_dkim_json(boost::json::array& rows, const policy::config& cfg, const std::vector<stored_state>& dkim_stored) {
  const auto dkim_rows = by_identity(dkim_stored);
  for (auto& value : rows) {
    if (!value.is_object()) continue;
    auto& row = value.as_object();
    const auto* name = row.if_contains("identity");
    if (row.contains("dkim") || !name || !name->is_string()) continue;
    const policy::identity* id = cfg.identities.find(std::string(name->as_string()));
    if (!id) continue;
    row["dkim"] = dkim_json(*id, find_row(dkim_rows, id->name));
  }
}

boost::json::array status_json(const policy::config& cfg, const std::vector<stored_state>& stored,
                               const std::vector<stored_state>& dkim_stored, const dmarc_view* dmarc) {
  return rows_json(cfg, join_states(cfg, stored, dkim_stored), &dkim_stored, dmarc);
}

}  // namespace mfrelay::relay
