// Regional names SES uses: the default MAIL FROM domain, the feedback MX host
// and the SPF include. Pure, any thread. Inputs come from configuration.
#pragma once
#include <string>
#include <string_view>

namespace mfrelay::policy {

// Why `region` is not a region name ("us-west-2", "us-gov-west-1"), or empty.
std::string region_error(std::string_view region);

// "amazonses.com" in us-east-1, "<region>.amazonses.com" elsewhere;
// `override_domain` wins when not empty.
std::string default_mail_from_domain(std::string_view region, std::string_view override_domain = {});

// "feedback-smtp.<region>.amazonses.com"; `override_host` wins when not empty.
std::string feedback_host(std::string_view region, std::string_view override_host = {});

// The TXT value to publish, quotes included: "\"v=spf1 include:amazonses.com ~all\"".
std::string spf_record_value(std::string_view include);

}  // namespace mfrelay::policy
