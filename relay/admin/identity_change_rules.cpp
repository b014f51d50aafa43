#include "relay/admin/identity_change_rules.hpp"

#include <string_view>

#include "policy/config.hpp"
#include "policy/domain_name.hpp"
#include "policy/utf8.hpp"

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
        std::string given = change.mail_from_domain.value_or("");
        changed.mail_from_domain = policy::normalize_domain(given);
        changed.mail_from_spelling = given != changed.mail_from_domain ? given : "";
        if (change.behavior) changed.behavior = *change.behavior;
        if (!id.has_mail_from()) changed.mail_from_where = id.where;
        out.add(std::move(changed));
        break;
      }
      case identity_change::kind::set_feedback_forwarding: {
        policy::identity changed = id;
        changed.forward_feedback = change.forward_feedback;
        out.add(std::move(changed));
        break;
      }
      case identity_change::kind::set_dkim: {
        policy::identity changed = id;
        changed.dkim = change.dkim_enabled;
        out.add(std::move(changed));
        break;
      }
      case identity_change::kind::set_dkim_signing: {
        policy::identity changed = id;
        changed.dkim = true;
        changed.dkim_selector = change.dkim_selector;
        changed.dkim_private_key_file.clear();  // the API's key lives in the key store
        if (change.dkim_selector.empty() && change.dkim_key_type) changed.dkim_key_type = *change.dkim_key_type;
        out.add(std::move(changed));
        break;
      }
      case identity_change::kind::tag: {
        policy::identity changed = id;
        for (const auto& key : change.remove_tags) changed.tags.erase(key);
        for (const auto& [key, value] : change.set_tags) changed.tags[key] = value;
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
    id.tags = change.set_tags;
    out.add(std::move(id));
  }
  return out;
}

std::vector<std::string> change_rule_errors(const policy::identity_table& current, const identity_change& change) {
  std::vector<std::string> errors;
  // Bytes that are not UTF-8 (a percent-encoded %FF, say) pass the name rules
  // but could never be read back from policy.d: refused here, up front.
  if (!policy::is_utf8(change.identity)) {
    errors.push_back("The identity name is not valid UTF-8.");
    return errors;
  }
  if (!policy::is_utf8(change.mail_from_domain.value_or(""))) {
    errors.push_back("The MAIL FROM domain is not valid UTF-8.");
    return errors;
  }
  for (const auto& [key, value] : change.set_tags) {
    if (!policy::is_utf8(key) || !policy::is_utf8(value)) {
      errors.push_back("A tag key or value is not valid UTF-8.");
      return errors;
    }
  }
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
  policy::identity_table next = apply_change(current, change, {"this request", 0, 0});
  for (const auto& e : policy::validate_identities(next)) errors.push_back(e.message);
  if (const policy::identity* changed = next.find(change.identity); changed && changed->tags.size() > max_identity_tags)
    errors.push_back("An identity has at most " + std::to_string(max_identity_tags) + " tags, not " +
                     std::to_string(changed->tags.size()) + ".");
  return errors;
}

}  // namespace mfrelay::relay
