#include "relay/admin/explain_json.hpp"

#include "policy/decision.hpp"
#include "relay/common/clock.hpp"
#include "relay/events/mail_events.hpp"
#include "relay/state/state_rows.hpp"

namespace mfrelay::relay {

boost::json::object explain_json(const policy::config& cfg, const std::vector<stored_state>& stored,
                                 const policy::email_address& from, const std::optional<policy::email_address>& sender,
                                 const policy::user* user, const dmarc_view* dmarc,
                                 const std::vector<stored_state>& dkim_stored) {
  policy::state_snapshot states = make_snapshot(stored);
  std::string default_domain = cfg.default_mail_from_domain();
  policy::policy_context context{cfg.identities, states, cfg.relay.region, default_domain};
  policy::decision d = policy::decide({from, sender, user}, context);

  boost::json::object out = policy_json(d, d.accepted() ? "<message-id>@" + d.mail_from_domain : "");
  out["from"] = from.str();
  out["sender"] = sender ? boost::json::value(sender->str()) : nullptr;
  out["user"] = user ? boost::json::value(user->name) : nullptr;
  out["identityKind"] =
      d.matched ? boost::json::value(d.matched->kind == policy::identity_kind::domain ? "domain" : "address") : nullptr;
  out["identityOrigin"] = d.matched ? boost::json::value(to_string(d.matched->where)) : nullptr;
  boost::json::value since = nullptr;
  if (d.matched && d.matched->has_mail_from()) {
    if (auto s = states.find(d.matched->name, d.matched->mail_from_domain)) since = boost::json::string(iso8601(s->since));
  }
  out["since"] = since;
  out["reason"] = d.accepted() ? boost::json::value(nullptr) : boost::json::value(to_string(d.reason));
  out["smtpReply"] = d.accepted() ? boost::json::value(nullptr)
                                  : boost::json::value(boost::json::object{
                                        {"code", d.reply.code}, {"enhanced", d.reply.enhanced}, {"text", d.reply.text}});
  out["why"] = d.explanation;
  out["dmarc"] = nullptr;
  out["mailFromWarning"] = nullptr;
  if (d.matched) {
    if (dmarc) {
      std::optional<stored_state> row_state;
      for (const auto& s : stored) {
        if (s.identity == d.matched->name) row_state = s;
      }
      identity_status row{d.matched, row_state, std::nullopt};
      for (const auto& s : dkim_stored) {
        if (s.identity == d.matched->name && d.matched->dkim) row.dkim = s.state.status;
      }
      out["dmarc"] = dmarc_json(dmarc_verdict_of(row, cfg, *dmarc));
    }
    auto warnings = mail_from_warnings_by_identity(cfg.identities);
    if (auto w = warnings.find(d.matched->name); w != warnings.end()) out["mailFromWarning"] = w->second;
  }
  return out;
}

}  // namespace mfrelay::relay
