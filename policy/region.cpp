#include "policy/region.hpp"

#include "policy/domain_name.hpp"

namespace mfrelay::policy {

std::string region_error(std::string_view region) {
  if (region.empty()) return "the region is empty";
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return "region '" + std::string(region) + "' must be lower-case letters, digits and '-' (like us-west-2)";
  }
  if (region.front() == '-' || region.back() == '-' || region.find('-') == std::string_view::npos ||
      region.size() > 63)
    return "region '" + std::string(region) + "' is not of the form us-west-2";
  return {};
}

std::string default_mail_from_domain(std::string_view region, std::string_view override_domain) {
  if (!override_domain.empty()) return normalize_domain(override_domain);
  if (region == "us-east-1") return "amazonses.com";
  return std::string(region) + ".amazonses.com";
}

std::string feedback_host(std::string_view region, std::string_view override_host) {
  if (!override_host.empty()) return normalize_domain(override_host);
  return "feedback-smtp." + std::string(region) + ".amazonses.com";
}

std::string spf_record_value(std::string_view include) {
  return "\"v=spf1 include:" + std::string(include) + " ~all\"";
}

}  // namespace mfrelay::policy
