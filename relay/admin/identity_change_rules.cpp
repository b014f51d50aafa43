#include "relay/admin/identity_change_rules.hpp"

#include "policy/config.hpp"
#include "policy/domain_name.hpp"

namespace mfrelay::relay {

policy::identity_table apply_change(const policy::identity_table& current, const identity_change& change,
                                    const policy::origin& new_origin) {
  policy::identity_table out;
  for (const auto& id : current.all()) {
    if (id.name != change.identity) {
      out.add(id);
      continue;
    }
    switch (change.what) {
      case identity_change::kind::create:
        out.add(id);
        break;
      case identity_change::kind::remove:
        break;
      case identity_change::kind::set_mail_from: {
        policy::identity changed = id;
        changed.mail_from_domain = policy::normalize_domain(change.mail_from_domain.value_or(""));
        if (change.behavior) changed.behavior = *change.behavior;
        if (!id.has_mail_from()) changed.mail_from_where = id.where;
        out.add(std::move(changed));
        break;
      }
    }
  }
  if (change.what == identity_change::kind::create && !current.find(change.identity)) {
    auto parsed = policy::parse_identity_name(change.identity);
    policy::identity id;
    id.name = parsed.value ? parsed.value->name : change.identity;
    id.kind = parsed.value ? parsed.value->kind : policy::identity_kind::domain;
    id.where = new_origin;
    id.mail_from_where = new_origin;
    out.add(std::move(id));
  }
  return out;
}

std::vector<std::string> change_rule_errors(const policy::identity_table& current, const identity_change& change) {
  std::vector<std::string> errors;
  const policy::identity* id = current.find(change.identity);
  if (change.what == identity_change::kind::set_mail_from && id) {
    std::string mail_from = policy::normalize_domain(change.mail_from_domain.value_or(""));
    if (!mail_from.empty()) {
      // The two rules a client most often breaks, checked first so the
      // message is SES's own (policy's wording names the configuration file).
      if (std::string why = policy::hostname_error(mail_from); !why.empty()) {
        errors.push_back("MAIL FROM domain <" + mail_from + "> is not a valid hostname: " + why);
        return errors;
      }
      if (!policy::is_subdomain_of(mail_from, id->domain())) {
        errors.push_back("Provided MAIL-FROM domain <" + mail_from + "> is not subdomain of the domain of the identity <" +
                         id->name + ">.");
        return errors;
      }
    }
  }
  for (const auto& e : policy::validate_identities(apply_change(current, change, {"this request", 0, 0}))) errors.push_back(e.message);
  return errors;
}

}  // namespace mfrelay::relay
