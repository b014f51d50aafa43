#include "relay/verification/reconcile.hpp"

namespace mfrelay::relay {

reconciliation reconcile(const policy::config& cfg, const std::vector<stored_state>& stored, policy::timestamp now) {
  std::map<std::string_view, const stored_state*> by_identity;
  for (const auto& s : stored) by_identity.emplace(s.identity, &s);

  reconciliation out;
  // Sized up front: at 10^5 identities a growing vector would hold its old
  // and new buffers at once, at the daemon's peak of memory.
  std::size_t unchanged = 0, with_mail_from = 0;
  for (const auto& id : cfg.identities.all()) {
    if (!id.has_mail_from()) continue;
    ++with_mail_from;
    auto found = by_identity.find(id.name);
    if (found != by_identity.end() && found->second->mail_from_domain == id.mail_from_domain) ++unchanged;
  }
  out.targets.reserve(with_mail_from);
  out.starts.reserve(with_mail_from - unchanged);
  for (const auto& id : cfg.identities.all()) {
    if (!id.has_mail_from()) continue;
    auto found = by_identity.find(id.name);
    const stored_state* s = found == by_identity.end() ? nullptr : found->second;
    if (s && s->mail_from_domain == id.mail_from_domain) {
      out.targets.push_back({id.name, id.mail_from_domain, s->state, s->last_check, {}});
      continue;
    }
    // Setting or changing a MAIL FROM domain restarts at Pending (DESIGN.md).
    out.starts.push_back({&id, s ? std::optional(s->state.status) : std::nullopt, s ? s->mail_from_domain : ""});
    out.targets.push_back({id.name, id.mail_from_domain, policy::initial_state(now), std::nullopt, {}});
  }
  for (const auto& s : stored) {
    const policy::identity* id = cfg.identities.find(s.identity);
    if (!id || !id->has_mail_from()) out.removed.push_back(s.identity);
  }
  return out;
}

state_write start_write(const setting_start& start, policy::timestamp now) {
  const policy::identity& id = *start.identity;
  const policy::verification_state state = policy::initial_state(now);
  state_write w;
  w.current.identity = id.name;
  w.current.mail_from_domain = id.mail_from_domain;
  w.current.state = state;
  w.current.reason = "waiting for the first check";
  w.transition = state_transition{id.name,
                                  id.mail_from_domain,
                                  start.from,
                                  state.status,
                                  now,
                                  start.from ? "MAIL FROM domain changed from " + start.previous_domain + " to " +
                                                   id.mail_from_domain
                                             : "MAIL FROM domain set to " + id.mail_from_domain,
                                  {}};
  return w;
}

}  // namespace mfrelay::relay
