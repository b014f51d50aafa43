// MailFromDomainStatusChange events as the recorder builds them (through
// status_change_event), with DNS answers a test chooses.
#pragma once
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "relay/events/status_change_event.hpp"

namespace mfrelay::relay::test {

inline const policy::timestamp sample_t0{std::chrono::milliseconds(1'764'146'401'311)};  // 2025-11-26T08:40:01.311Z

struct status_change_sample {
  std::optional<policy::mail_from_status> from = policy::mail_from_status::pending;
  policy::mail_from_status to = policy::mail_from_status::success;
  std::string reason = "exactly one MX: 10 feedback-smtp.us-west-2.amazonses.com";
  std::vector<policy::mx_record> mx{{10, "feedback-smtp.us-west-2.amazonses.com"}};
  std::vector<std::string> txt{"v=spf1 include:amazonses.com ~all"};
  policy::mx_failure_behavior behavior = policy::mx_failure_behavior::use_default_value;

  boost::json::object build() const {
    dns::dns_check answers;
    answers.mx = {mx.empty() ? policy::dns_outcome::nodata : policy::dns_outcome::ok, mx};
    answers.txt = {txt.empty() ? policy::dns_outcome::nodata : policy::dns_outcome::ok, txt};
    state_transition t{"example.com", "mail.example.com", from, to, sample_t0, reason,
                       boost::json::serialize(dns_evidence(answers))};
    stored_state current;
    current.identity = t.identity;
    current.mail_from_domain = t.mail_from_domain;
    current.spf = txt.empty() ? policy::spf_status::missing : policy::spf_status::ok;
    current.spf_reason = txt.empty() ? "no SPF record" : txt.front();
    policy::identity id;
    id.name = "example.com";
    id.mail_from_domain = "mail.example.com";
    id.behavior = behavior;
    return status_change_event(t, current, &id);
  }
};

}  // namespace mfrelay::relay::test
