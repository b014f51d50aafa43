#include "relay/state/state_rows.hpp"

#include <filesystem>
#include <map>

#include "relay/state/pg_connection.hpp"
#include "relay/state/pg_state_store.hpp"
#include "relay/state/sqlite_state_store.hpp"

namespace mfrelay::relay {

std::optional<policy::mail_from_status> identity_status::status() const {
  if (!identity || !identity->has_mail_from()) return std::nullopt;
  if (stored && stored->mail_from_domain == identity->mail_from_domain) return stored->state.status;
  return policy::mail_from_status::pending;
}

std::vector<identity_status> join_states(const policy::config& cfg, const std::vector<stored_state>& stored,
                                         const std::vector<stored_state>& dkim_stored) {
  std::map<std::string_view, const stored_state*> by_identity;
  for (const auto& s : stored) by_identity.emplace(s.identity, &s);
  std::map<std::string_view, policy::mail_from_status> dkim_by_identity;
  for (const auto& s : dkim_stored) dkim_by_identity.emplace(s.identity, s.state.status);
  std::vector<identity_status> rows;
  for (const auto& id : cfg.identities.all()) {
    identity_status row{&id, std::nullopt, std::nullopt};
    auto found = by_identity.find(id.name);
    if (id.has_mail_from() && found != by_identity.end() && found->second->mail_from_domain == id.mail_from_domain)
      row.stored = *found->second;
    if (auto dkim = dkim_by_identity.find(id.name); id.dkim && dkim != dkim_by_identity.end()) row.dkim = dkim->second;
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.identity->name < b.identity->name; });
  return rows;
}

policy::state_snapshot make_snapshot(const std::vector<stored_state>& stored) {
  policy::state_snapshot snapshot;
  for (const auto& s : stored) snapshot.set(s.identity, s.mail_from_domain, s.state);
  return snapshot;
}

std::string state_db_path(const policy::config& cfg) {
  if (cfg.store.kind == policy::store_kind::postgresql) return pg_redacted(cfg.store.url);
  return (std::filesystem::path(cfg.relay.state_dir) / "state.db").string();
}

std::optional<std::vector<stored_state>> read_stored_states(const policy::config& cfg) {
  if (cfg.store.kind == policy::store_kind::postgresql) {
    pg_connection db(cfg.store.url);
    return pg_read_states(db);
  }
  std::string path = state_db_path(cfg);
  if (!std::filesystem::exists(path)) return std::nullopt;
  sqlite_state_store store(path, true);
  return store.load_all();
}

std::vector<stored_state> read_stored_dkim_states(const policy::config& cfg) {
  std::string path = state_db_path(cfg);
  if (!std::filesystem::exists(path)) return {};
  sqlite_state_store store(path, true, verification_kind::dkim);
  return store.load_all();
}

}  // namespace mfrelay::relay
