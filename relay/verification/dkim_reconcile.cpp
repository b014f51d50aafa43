#include "relay/verification/dkim_reconcile.hpp"

#include <map>

namespace mfrelay::relay {

std::string dkim_setting(const dkim::identity_keys& keys) {
  if (keys.external()) return keys.external_selector;  // BYODKIM: the one name to check
  std::string out;
  for (const auto& t : keys.tokens) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

dkim_reconciliation reconcile_dkim(const policy::config& cfg, const std::vector<stored_state>& stored,
                                   const dkim_keys_lookup& keys_of, policy::timestamp now) {
  std::map<std::string_view, const stored_state*> by_identity;
  for (const auto& s : stored) by_identity.emplace(s.identity, &s);

  dkim_reconciliation out;
  std::map<std::string_view, bool> checked;
  for (const auto& id : cfg.identities.all()) {
    if (!id.dkim) continue;
    auto keys = keys_of(id.name);
    if (!keys) continue;  // NOT_STARTED until the daemon has its keys
    checked[id.name] = true;
    const std::string setting = dkim_setting(*keys);
    const std::string key = keys->key.public_key_base64();
    auto found = by_identity.find(id.name);
    const stored_state* s = found == by_identity.end() ? nullptr : found->second;
    if (s && s->mail_from_domain == setting) {
      out.targets.push_back({id.name, setting, s->state, s->last_check, key});
      continue;
    }
    // New keys (or DKIM just enabled) restart at Pending, as a new MAIL FROM setting does.
    const policy::verification_state state = policy::initial_state(now);
    state_write w;
    w.current.identity = id.name;
    w.current.mail_from_domain = setting;
    w.current.state = state;
    w.current.reason = "waiting for the first check";
    w.transition = state_transition{id.name, setting,
                                    s ? std::optional(s->state.status) : std::nullopt,
                                    state.status,
                                    now,
                                    s ? "DKIM keys changed" : "DKIM enabled",
                                    {}};
    out.starts.push_back(std::move(w));
    out.targets.push_back({id.name, setting, state, std::nullopt, key});
  }
  for (const auto& s : stored) {
    if (!checked.contains(s.identity)) out.removed.push_back(s.identity);
  }
  return out;
}

}  // namespace mfrelay::relay
