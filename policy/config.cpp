#include "policy/config.hpp"

#include <map>
#include <set>

#include "policy/domain_name.hpp"
#include "policy/region.hpp"

namespace mfrelay::policy {
namespace {

void check_mail_from(const identity& id, const identity_table& identities, std::vector<config_error>& errors) {
  if (!id.has_mail_from()) return;
  const std::string& mf = id.mail_from_domain;
  if (std::string why = hostname_error(mf); !why.empty()) {
    errors.push_back({id.mail_from_where, "MAIL FROM domain '" + mf + "' is not a valid hostname: " + why});
    return;
  }
  // SES's own wording for this rule.
  if (!is_subdomain_of(mf, id.domain())) {
    errors.push_back({id.mail_from_where, "Provided MAIL-FROM domain " + mf +
                                              " is not subdomain of the domain of the identity " + id.name + "."});
  }
  // The identity's own domain already failed the rule above: one error is enough.
  if (const identity* other = identities.find(mf); other && mf != id.domain()) {
    errors.push_back({id.mail_from_where, "MAIL FROM domain " + mf + " is itself a sending identity (declared at " +
                                              to_string(other->where) +
                                              "); it must be a domain that sends no mail, as it receives the feedback"});
  }
}

}  // namespace

std::string config::default_mail_from_domain() const {
  return policy::default_mail_from_domain(relay.region, relay.default_mail_from_domain);
}

std::string config::feedback_host() const { return policy::feedback_host(relay.region, verification.feedback_mx); }

std::vector<config_error> validate_identities(const identity_table& identities) {
  std::vector<config_error> errors;
  for (const auto& id : identities.all()) check_mail_from(id, identities, errors);
  return errors;
}

const smarthost_settings* delivery_settings::find_smarthost(std::string_view name) const {
  for (const auto& h : smarthosts)
    if (h.name == name) return &h;
  return nullptr;
}

delivery_route delivery_settings::route_for(std::string_view domain) const {
  const route_settings* chosen = nullptr;
  for (const auto& r : routes) {
    if (r.domain == domain) {
      chosen = &r;
      break;
    }
    if (r.domain == "*" && !chosen) chosen = &r;
  }
  delivery_route out;
  out.require_tls = require_tls;
  if (!chosen) {
    out.mx = mode == delivery_mode::mx;
    return out;
  }
  out.mx = chosen->via == "mx";
  if (!out.mx) out.smarthost = chosen->via;
  if (chosen->require_tls) out.require_tls = *chosen->require_tls;
  return out;
}

smarthost_settings delivery_settings::default_smarthost() const {
  if (!smarthost_name.empty()) {
    if (const auto* named = find_smarthost(smarthost_name)) return *named;
  }
  smarthost_settings plain;
  plain.address = smarthost;
  plain.verify_certificate = false;  // as before [[smarthost]] existed: opportunistic TLS
  plain.where = smarthost_where;
  return plain;
}

std::vector<config_error> validate_config(const config& cfg) {
  std::vector<config_error> errors = validate_identities(cfg.identities);
  auto error = [&](const origin& where, std::string message) { errors.push_back({where, std::move(message)}); };

  if (cfg.listeners.empty()) error({cfg.main_file, 1, 1}, "no [[listener]] is configured: mfrelay would accept no mail");
  std::map<std::string, const listener_settings*> names;
  std::map<std::string, const listener_settings*> addresses;
  for (const auto& l : cfg.listeners) {
    if (auto [it, added] = names.emplace(l.name, &l); !added)
      error(l.where, "listener name '" + l.name + "' is already used at " + to_string(it->second->where));
    if (auto [it, added] = addresses.emplace(l.address.str(), &l); !added && l.address.port != 0)
      error(l.where, "listener address " + l.address.str() + " is already used at " + to_string(it->second->where));
    if (l.role == listener_role::submission && l.auth == auth_mode::password && l.tls == tls_mode::none)
      error(l.where, "listener '" + l.name +
                         "': auth = \"password\" needs tls = \"starttls\" or \"implicit\" (AUTH is only offered under TLS)");
  }

  std::set<std::string> user_names;
  bool any_network_user = false;
  for (const auto& u : cfg.users) {
    if (!user_names.insert(u.name).second) error(u.where, "user '" + u.name + "' is declared twice");
    if (u.password_hash.empty() && u.networks.empty())
      error(u.where, "user '" + u.name + "' has neither password_hash nor networks: nobody could use it");
    any_network_user = any_network_user || !u.networks.empty();
    for (const auto& allowed : u.identities) {
      if (allowed != "*" && !cfg.identities.find(allowed))
        error(u.where, "user '" + u.name + "' may send as '" + allowed + "', which is not a declared identity");
    }
  }
  for (const auto& l : cfg.listeners) {
    if (l.role == listener_role::submission && l.auth == auth_mode::network && !any_network_user)
      error(l.where, "listener '" + l.name + "' uses auth = \"network\" but no [[user]] has networks");
  }

  std::map<std::string, const smarthost_settings*> smarthost_names;
  for (const auto& h : cfg.delivery.smarthosts) {
    if (auto [it, added] = smarthost_names.emplace(h.name, &h); !added)
      error(h.where, "smarthost name '" + h.name + "' is already used at " + to_string(it->second->where));
    if (!h.username.empty() && h.password.empty())
      error(h.where, "smarthost '" + h.name + "': username without password");
    if (h.username.empty() && !h.password.empty())
      error(h.where, "smarthost '" + h.name + "': password without username");
    if (!h.username.empty() && h.tls == tls_mode::none)
      error(h.where, "smarthost '" + h.name +
                         "': credentials need tls = \"starttls\" or \"implicit\" (they are never sent in clear)");
  }
  if (!cfg.delivery.smarthost_name.empty() && !cfg.delivery.find_smarthost(cfg.delivery.smarthost_name))
    error(cfg.delivery.smarthost_where, "[delivery] smarthost: '" + cfg.delivery.smarthost_name +
                                            "' is neither host:port nor the name of a [[smarthost]]");

  std::map<std::string, const route_settings*> route_domains;
  for (const auto& r : cfg.delivery.routes) {
    if (auto [it, added] = route_domains.emplace(r.domain, &r); !added)
      error(r.where, "route for '" + r.domain + "' is already declared at " + to_string(it->second->where));
    if (r.via != "mx" && !cfg.delivery.find_smarthost(r.via))
      error(r.where, "route for '" + r.domain + "': via = '" + r.via +
                         "' is neither \"mx\" nor the name of a [[smarthost]]");
  }

  std::map<std::string, const admin_key*> key_ids;
  for (const auto& k : cfg.admin.keys) {
    if (auto [it, added] = key_ids.emplace(k.access_key_id, &k); !added)
      error(k.where, "access key " + k.access_key_id + " is already declared at " + to_string(it->second->where));
  }
  std::map<std::string, const admin_user*> console_users;
  for (const auto& u : cfg.admin.users) {
    if (auto [it, added] = console_users.emplace(u.name, &u); !added)
      error(u.where, "[[admin.user]] '" + u.name + "' is already declared at " + to_string(it->second->where));
  }
  return errors;
}

}  // namespace mfrelay::policy
