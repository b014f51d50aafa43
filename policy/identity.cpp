#include "policy/identity.hpp"

#include "policy/domain_name.hpp"
#include "policy/email_address.hpp"

namespace mfrelay::policy {

std::string_view to_string(mx_failure_behavior behavior) {
  switch (behavior) {
    case mx_failure_behavior::use_default_value: return "UseDefaultValue";
    case mx_failure_behavior::reject_message: return "RejectMessage";
  }
  return "UseDefaultValue";
}

std::optional<mx_failure_behavior> parse_mx_failure_behavior(std::string_view text) {
  if (text == "UseDefaultValue" || text == "USE_DEFAULT_VALUE") return mx_failure_behavior::use_default_value;
  if (text == "RejectMessage" || text == "REJECT_MESSAGE") return mx_failure_behavior::reject_message;
  return std::nullopt;
}

std::string_view identity::domain() const {
  if (kind == identity_kind::domain) return name;
  return std::string_view(name).substr(name.rfind('@') + 1);
}

identity_name_result parse_identity_name(std::string_view text) {
  if (text.find('@') != std::string_view::npos) {
    auto address = parse_email_address(text);
    if (!address || address->domain.front() == '[')
      return {std::nullopt, "'" + std::string(text) + "' is not a valid email address"};
    return {identity_name{address->str(), identity_kind::email_address}, {}};
  }
  std::string name = normalize_domain(text);
  std::string why = hostname_error(name);
  if (!why.empty())
    return {std::nullopt, "'" + std::string(text) + "' is not a valid domain: " + why};
  return {identity_name{std::move(name), identity_kind::domain}, {}};
}

}  // namespace mfrelay::policy
