#include "relay/verification/reconcile.hpp"

namespace mfrelay::relay {

reconciliation reconcile(const policy::config& cfg, const std::vector<stored_state>& stored, policy::timestamp now) {
  std::map<std::string_view, const stored_state*> by_identity;
  for (const auto& s : stored) by_identity.emplace(s.identity, &s);

  reconciliation out;
  // Sized up front: at 10^5 identities a growing vector of writes would hold
  // its old and new buffers at once, at the daemon's peak of memory.
  std::size_t unchanged = 0, with_mail_from = 0;
  for (const auto& id : cfg.identities.all()) {
    if (!id.has_mail_from()) continue;
    ++with_mail_from;
    auto found = by_identity.find(id.name);
    if (found != by_identity.end() && found->second->mail_from_domain == id.mail_from_domain) ++unchanged;
  }
  out.targets.reserve(with_mail_from);
  out.writes.reserve(with_mail_from - unchanged);
  for (const auto& id : cfg.identities.all()) {
    if (!id.has_mail_from()) continue;
    auto found = by_identity.find(id.name);
    const stored_state* s = found == by_identity.end() ? nullptr : found->second;
    if (s && s->mail_from_domain == id.mail_from_domain) {
      out.targets.push_back({id.name, id.mail_from_domain, s->state, s->last_check});
      continue;
    }
    // Setting or changing a MAIL FROM domain restarts at Pending (DESIGN.md).
    policy::verification_state start = policy::initial_state(now);
    state_write w;
    w.current.identity = id.name;
    w.current.mail_from_domain = id.mail_from_domain;
    w.current.state = start;
    w.current.reason = "waiting for the first check";
    w.transition = state_transition{id.name,
                                    id.mail_from_domain,
                                    s ? std::optional(s->state.status) : std::nullopt,
                                    start.status,
                                    now,
                                    s ? "MAIL FROM domain changed from " + s->mail_from_domain + " to " + id.mail_from_domain
                                      : "MAIL FROM domain set to " + id.mail_from_domain,
                                    {}};
    out.writes.push_back(std::move(w));
    out.targets.push_back({id.name, id.mail_from_domain, start, std::nullopt});
  }
  for (const auto& s : stored) {
    const policy::identity* id = cfg.identities.find(s.identity);
    if (!id || !id->has_mail_from()) out.removed.push_back(s.identity);
  }
  return out;
}

}  // namespace mfrelay::relay
