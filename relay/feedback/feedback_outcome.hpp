// What one Bounce or Complaint the feedback listener produced means for the
// rest of mfrelay: the seam the suppression list hangs on. The receiver calls
// the handler once per event, on the feedback session's strand; a handler must
// not block (queue the work) and must not throw. Addresses come from a remote
// report: `suppressible` is only ever true for a recipient of the original
// message (a report cannot name someone else into the suppression list).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "policy/time.hpp"
#include "relay/feedback/bounce_classifier.hpp"

namespace mfrelay::relay {

enum class feedback_outcome_kind { bounce, complaint };

struct feedback_outcome_recipient {
  std::string email_address;
  bounce_class classification;  // a complaint's recipients: undetermined
  // A permanent bounce or a complaint, for a recipient the message was sent to:
  // what SES adds to the account-level suppression list (reason BOUNCE / COMPLAINT).
  bool suppressible = false;
};

struct feedback_outcome {
  feedback_outcome_kind kind = feedback_outcome_kind::bounce;
  std::string feedback_id;  // the event's bounce.feedbackId / complaint.feedbackId
  policy::timestamp at{};
  std::string message_id;  // the original message
  std::string identity;
  std::string mail_from_domain;
  std::string source;  // the application's original envelope sender
  bounce_class classification;      // bounce: the whole report's
  std::string complaint_feedback_type;  // complaint: abuse, fraud, ... ("" when not said)
  std::vector<feedback_outcome_recipient> recipients;
};

using feedback_outcome_handler = std::function<void(const feedback_outcome&)>;

}  // namespace mfrelay::relay
