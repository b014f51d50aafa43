#include "relay/feedback/feedback_forward.hpp"

#include <boost/json/object.hpp>

#include "policy/ascii.hpp"
#include "relay/common/clock.hpp"
#include "relay/spool/null_sender_envelope.hpp"

namespace mfrelay::relay {
namespace {

// The report's MIME header fields (Content-Type, Content-Transfer-Encoding),
// folded lines included, as written; and where its body starts.
struct report_parts {
  std::string mime_fields;
  std::string_view body;
};

report_parts split_report(std::string_view report) {
  report_parts out;
  bool keep = false;  // the field being read is one we copy (its continuation lines too)
  std::size_t pos = 0;
  while (pos < report.size()) {
    std::size_t end = report.find('\n', pos);
    std::size_t next = end == std::string_view::npos ? report.size() : end + 1;
    std::string_view line = report.substr(pos, next - pos);
    std::string_view text = line;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    if (text.empty()) {
      out.body = report.substr(next);
      return out;
    }
    if (text.front() != ' ' && text.front() != '\t') {
      keep = policy::ascii_istarts_with(text, "content-type:") ||
             policy::ascii_istarts_with(text, "content-transfer-encoding:");
    }
    if (keep) {
      out.mime_fields += text;
      out.mime_fields += "\r\n";
    }
    pos = next;
  }
  out.body = {};  // headers only
  return out;
}

}  // namespace

std::optional<forwarded_feedback> forward_feedback_message(std::string_view report, const feedback_outcome& outcome,
                                                           const std::string& hostname, const std::string& message_id,
                                                           policy::timestamp now) {
  if (outcome.source.empty()) return std::nullopt;
  const bool complaint = outcome.kind == feedback_outcome_kind::complaint;
  const std::string from = "MAILER-DAEMON@" + hostname;
  const std::string header_message_id = "<" + message_id + "@" + hostname + ">";
  const std::string subject = complaint ? "Complaint about message " + outcome.message_id
                                        : "Undelivered Mail Returned to Sender (" + outcome.message_id + ")";
  report_parts parts = split_report(report);

  forwarded_feedback out;
  std::string& m = out.content;
  auto line = [&m](std::string_view text) {
    m += text;
    m += "\r\n";
  };
  line(complaint ? "From: Complaint Feedback <" + from + ">" : "From: Mail Delivery System <" + from + ">");
  line("To: <" + outcome.source + ">");
  line("Subject: " + subject);
  line("Date: " + rfc5322_date(now));
  line("Message-ID: " + header_message_id);
  line("Auto-Submitted: auto-replied");  // RFC 3834: a machine answering; no replies to this
  line("X-Mfrelay-Original-Message-Id: " + outcome.message_id);
  line("X-Mfrelay-Feedback-Id: " + outcome.feedback_id);
  line("MIME-Version: 1.0");
  if (parts.mime_fields.empty()) line("Content-Type: text/plain; charset=us-ascii");
  m += parts.mime_fields;
  m += "\r\n";
  m += parts.body;
  if (!m.ends_with("\r\n")) m += "\r\n";

  boost::json::object more{{"feedbackOf", outcome.message_id}, {"feedbackId", outcome.feedback_id}};
  out.env = null_sender_envelope(
      {message_id, outcome.source, from, header_message_id, subject, "feedback-forwarding", "feedback", std::move(more)},
      now);
  return out;
}

}  // namespace mfrelay::relay
