#include "relay/feedback/feedback_events.hpp"

#include <boost/json/parse.hpp>

#include "policy/ascii.hpp"
#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

namespace json = boost::json;

json::value text_or_null(const std::string& text) { return text.empty() ? json::value(nullptr) : json::value(text); }

bool sent_to(const sent_message& original, const std::string& address) {
  for (const auto& r : original.recipients)
    if (policy::ascii_iequals(r, address)) return true;
  return false;
}

// The mail/policy/session objects the Send event had; a bare mail object when
// the metadata is missing or unreadable.
json::object stored_metadata(const sent_message& original) {
  json::object meta;
  boost::system::error_code ec;
  json::value parsed = json::parse(original.metadata, ec);
  if (!ec && parsed.is_object()) meta = std::move(parsed.as_object());
  if (!meta.contains("mail")) {
    mail_info mail{original.sent_at, original.message_id, original.source, original.recipients, original.from,
                   "",               "",                  ""};
    meta["mail"] = mail_json(mail);
  }
  return meta;
}

}  // namespace

feedback_outcome feedback_outcome_of(const feedback_report& report, const sent_message& original,
                                     std::string feedback_id, policy::timestamp at) {
  feedback_outcome o;
  o.feedback_id = std::move(feedback_id);
  o.at = at;
  o.message_id = original.message_id;
  o.identity = original.identity;
  o.mail_from_domain = original.mail_from_domain;
  o.source = original.source;
  if (report.kind == feedback_kind::complaint) {
    o.kind = feedback_outcome_kind::complaint;
    o.complaint_feedback_type = report.complaint.feedback_type;
    // A report that names nobody is about the message as a whole: its recipients.
    const auto& named = report.complaint.complained_recipients;
    for (const auto& address : named.empty() ? original.recipients : named)
      o.recipients.push_back({address, {}, sent_to(original, address)});
    return o;
  }
  o.kind = feedback_outcome_kind::bounce;
  o.classification = report.bounce.classification;
  for (const auto& r : report.bounce.recipients) {
    bool ours = sent_to(original, r.email_address) ||
                (!r.original_recipient.empty() && sent_to(original, r.original_recipient));
    // Transient and Undetermined bounces never suppress (SES: only Permanent ones do).
    o.recipients.push_back({r.email_address, r.classification, ours && r.classification.type == bounce_type::permanent});
  }
  if (report.bounce.recipients.empty()) {
    // A bounce that names nobody we can read: SES reports the message's recipients, Undetermined.
    for (const auto& address : original.recipients) o.recipients.push_back({address, {}, false});
  }
  return o;
}

json::object feedback_event(const feedback_report& report, const feedback_outcome& outcome,
                            const sent_message& original, const session_info& feedback_session) {
  json::object meta = stored_metadata(original);
  json::object event;
  const bool complaint = outcome.kind == feedback_outcome_kind::complaint;
  event["eventType"] = complaint ? "Complaint" : "Bounce";
  event["mail"] = meta["mail"];
  if (complaint) {
    json::array recipients;
    for (const auto& r : outcome.recipients) recipients.emplace_back(json::object{{"emailAddress", r.email_address}});
    event["complaint"] = json::object{
        {"complainedRecipients", std::move(recipients)},
        {"timestamp", iso8601(outcome.at)},
        {"feedbackId", outcome.feedback_id},
        {"complaintSubType", nullptr},
        {"complaintFeedbackType", text_or_null(report.complaint.feedback_type)},
        {"userAgent", text_or_null(report.complaint.user_agent)},
        {"arrivalDate", text_or_null(report.complaint.arrival_date)},
    };
  } else {
    json::array recipients;
    for (const auto& r : report.bounce.recipients) {
      json::object o{{"emailAddress", r.email_address}};
      if (!r.action.empty()) o["action"] = r.action;
      if (!r.status.empty()) o["status"] = r.status;
      if (!r.diagnostic_code.empty()) o["diagnosticCode"] = r.diagnostic_code;
      recipients.push_back(std::move(o));
    }
    if (report.bounce.recipients.empty()) {
      for (const auto& r : outcome.recipients) recipients.emplace_back(json::object{{"emailAddress", r.email_address}});
    }
    event["bounce"] = json::object{
        {"bounceType", to_string(outcome.classification.type)},
        {"bounceSubType", to_string(outcome.classification.subtype)},
        {"bouncedRecipients", std::move(recipients)},
        {"timestamp", iso8601(outcome.at)},
        {"feedbackId", outcome.feedback_id},
        {"reportingMTA", text_or_null(report.bounce.reporting_mta)},
        {"remoteMtaIp", text_or_null(feedback_session.client_ip)},
    };
  }
  if (const auto* p = meta.if_contains("policy")) event["policy"] = *p;
  if (const auto* s = meta.if_contains("session")) event["session"] = *s;
  event["feedbackSession"] = session_json(feedback_session);
  return event;
}

}  // namespace mfrelay::relay
