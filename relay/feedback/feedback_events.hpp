// SES-shaped Bounce and Complaint events for reports the feedback listener
// received, with the original message's mail/policy/session objects from the
// sent-message index and the feedback session that carried the report. Pure
// builders; any thread. Everything from the report is untrusted text and only
// ever a JSON string value.
#pragma once
#include <boost/json/object.hpp>
#include <string>

#include "relay/events/mail_events.hpp"
#include "relay/feedback/feedback_outcome.hpp"
#include "relay/feedback/feedback_report.hpp"
#include "relay/state/sent_message_index.hpp"

namespace mfrelay::relay {

// What the report says, joined with the original message: the seam's value.
// `report.kind` must be bounce or complaint.
feedback_outcome feedback_outcome_of(const feedback_report& report, const sent_message& original,
                                     std::string feedback_id, policy::timestamp at);

// {"eventType":"Bounce","mail":{...},"bounce":{"bounceType","bounceSubType",
//  "bouncedRecipients":[{"emailAddress","action","status","diagnosticCode"}],"timestamp",
//  "feedbackId","reportingMTA","remoteMtaIp"},"policy":{...},"session":{...},"feedbackSession":{...}}
// or {"eventType":"Complaint",...,"complaint":{"complainedRecipients":[{"emailAddress"}],
//  "timestamp","feedbackId","complaintSubType":null,"complaintFeedbackType","userAgent","arrivalDate"}}
boost::json::object feedback_event(const feedback_report& report, const feedback_outcome& outcome,
                                   const sent_message& original, const session_info& feedback_session);

}  // namespace mfrelay::relay
