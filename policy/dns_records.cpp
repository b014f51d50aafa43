#include "policy/dns_records.hpp"

#include "policy/region.hpp"

namespace mfrelay::policy {

std::vector<dns_record> required_records(const identity& id, std::string_view feedback_host,
                                         std::string_view spf_include) {
  if (!id.has_mail_from()) return {};
  return {
      {id.mail_from_domain, "MX", "10 " + std::string(feedback_host)},
      {id.mail_from_domain, "TXT", spf_record_value(spf_include)},
  };
}

}  // namespace mfrelay::policy
