#include "relay/feedback/feedback_report.hpp"

#include <optional>
#include <utility>

#include "policy/ascii.hpp"
#include "relay/feedback/mime_entity.hpp"
#include "relay/feedback/plain_text_bounce.hpp"
#include "relay/smtp/address_list.hpp"

namespace mfrelay::relay {

namespace {

using policy::ascii_lowered;

constexpr std::size_t max_entities = 500;          // MIME entities visited per message
constexpr std::size_t max_text_bytes = 256 * 1024;  // human-readable text kept for the heuristics

// What one walk over the MIME tree collects. Parts inside an encapsulated
// message (message/rfc822) are not walked: that is the original message, and
// its text must not read as the report's.
struct walk_state {
  explicit walk_state(const feedback_limits& l) : limits(l) {}
  const feedback_limits& limits;
  std::size_t entities = 0;
  bool report = false;            // a multipart/report was found
  std::string report_type;        // its report-type, lower case
  std::optional<std::string> delivery_status;  // the decoded message/delivery-status body
  std::optional<std::string> feedback_fields;  // the decoded message/feedback-report body
  std::optional<header_block> original;        // headers of the returned original message
  std::string text;               // decoded text/plain parts, bounded
  bool text_truncated = false;
};

void take_original(walk_state& state, std::string_view headers_text) {
  if (state.original) return;
  std::string_view start = headers_text;
  while (!start.empty() && (start.front() == '\r' || start.front() == '\n')) start.remove_prefix(1);
  header_block block = parse_header_block(start);
  if (!block.fields.empty()) state.original = std::move(block);
}

void append_text(walk_state& state, std::string_view body) {
  std::size_t room = max_text_bytes > state.text.size() ? max_text_bytes - state.text.size() : 0;
  if (body.size() > room) state.text_truncated = true;
  state.text.append(body.substr(0, room));
  state.text += '\n';
}

void walk(walk_state& state, const header_block& headers, std::string_view body, std::size_t depth, bool in_report) {
  if (++state.entities > max_entities || depth > state.limits.max_depth) return;
  content_type ct = parse_content_type(headers.get("Content-Type"));
  if (ct.type == "multipart") {
    bool is_report = ct.subtype == "report" && !state.report;
    if (is_report) {
      state.report = true;
      state.report_type = ascii_lowered(ct.param("report-type").substr(0, 100));
    }
    for (std::string_view part : split_multipart(body, ct.param("boundary"))) {
      std::string_view part_body;
      header_block part_headers = parse_header_block(part, &part_body);
      walk(state, part_headers, part_body, depth + 1, in_report || is_report);
      if (state.entities > max_entities) break;
    }
    return;
  }
  std::string_view encoding = headers.get("Content-Transfer-Encoding");
  if (ct.is("message", "delivery-status") || ct.is("message", "global-delivery-status")) {
    if (!state.delivery_status) state.delivery_status = decode_transfer(body, encoding);
  } else if (ct.is("message", "feedback-report")) {
    if (!state.feedback_fields) state.feedback_fields = decode_transfer(body, encoding);
  } else if (ct.is("message", "rfc822") || ct.is("message", "global") || ct.is("text", "rfc822-headers") ||
             ct.is("message", "rfc822-headers") || ct.is("message", "global-headers")) {
    if (!state.original) take_original(state, decode_transfer(body, encoding));
  } else if (ct.type == "text" && (ct.subtype == "plain" || (ct.subtype == "html" && state.text.empty()))) {
    std::string_view disposition = headers.get("Content-Disposition");
    if (!in_report && policy::ascii_istarts_with(policy::ascii_trim(disposition), "attachment")) return;
    append_text(state, decode_transfer(body, encoding));
  }
}

std::string bounded(std::string_view value, const feedback_limits& limits) {
  return std::string(value.substr(0, limits.max_value_bytes));
}

int severity(bounce_type type) {
  switch (type) {
    case bounce_type::permanent: return 2;
    case bounce_type::transient: return 1;
    case bounce_type::undetermined: break;
  }
  return 0;
}

// RFC 3464 2: per-message fields, then one group of fields per recipient,
// groups separated by empty lines.
void read_delivery_status(std::string_view text, feedback_report& report, const feedback_limits& limits) {
  std::vector<bounced_recipient> failed, delayed;
  std::size_t others = 0;
  std::string_view rest = text;
  bounce_details& bounce = report.bounce;
  while (!rest.empty()) {
    std::string_view next;
    header_block group = parse_header_block(rest, &next);
    if (next.size() >= rest.size()) break;  // cannot happen (a line is always read); keeps the loop finite
    rest = next;
    if (group.fields.empty()) continue;
    if (bounce.reporting_mta.empty()) bounce.reporting_mta = bounded(group.get("Reporting-MTA"), limits);
    if (bounce.arrival_date.empty()) bounce.arrival_date = bounded(group.get("Arrival-Date"), limits);
    std::string_view final_rcpt = group.get("Final-Recipient");
    std::string_view original_rcpt = group.get("Original-Recipient");
    if (final_rcpt.empty() && original_rcpt.empty()) continue;  // the per-message group

    bounced_recipient r;
    r.original_recipient = address_of_field(original_rcpt, limits.max_value_bytes);
    r.email_address = address_of_field(final_rcpt, limits.max_value_bytes);
    if (r.email_address.empty()) r.email_address = r.original_recipient;
    r.action = ascii_lowered(policy::ascii_trim(group.get("Action")).substr(0, 40));
    r.status = std::string(policy::ascii_trim(group.get("Status")).substr(0, 40));
    if (std::size_t space = r.status.find_first_of(" \t("); space != std::string::npos) r.status.resize(space);
    r.diagnostic_code = bounded(group.get("Diagnostic-Code"), limits);
    r.remote_mta = bounded(group.get("Remote-MTA"), limits);
    r.classification = classify_bounce(r.status, r.diagnostic_code);
    bool is_failed = r.action == "failed" || (r.action.empty() && !r.status.empty() && r.status[0] == '5');
    std::vector<bounced_recipient>* into = is_failed ? &failed : r.action == "delayed" ? &delayed : nullptr;
    if (!into) {
      ++others;
      continue;
    }
    if (into->size() >= limits.max_recipients) {
      report.truncated = true;
      continue;
    }
    into->push_back(std::move(r));
  }

  if (!failed.empty()) {
    report.kind = feedback_kind::bounce;
    bounce.recipients = std::move(failed);
    bounce.classification = bounce.recipients.front().classification;
    for (const bounced_recipient& r : bounce.recipients) {
      if (severity(r.classification.type) > severity(bounce.classification.type)) bounce.classification = r.classification;
    }
  } else if (!delayed.empty()) {
    report.kind = feedback_kind::delay;
    bounce.recipients = std::move(delayed);
    bounce.classification = {bounce_type::transient, bounce_subtype::general};
  } else if (others > 0) {
    report.kind = feedback_kind::not_a_bounce;
    report.reason = "a delivery report without failures (Action: delivered, relayed or expanded)";
  }
}

// RFC 5965 3.1 / 3.2.
void read_feedback_fields(std::string_view text, feedback_report& report, const feedback_limits& limits) {
  header_block fields = parse_header_block(text);
  complaint_details& c = report.complaint;
  c.feedback_type = ascii_lowered(policy::ascii_trim(fields.get("Feedback-Type")).substr(0, 40));
  c.user_agent = bounded(fields.get("User-Agent"), limits);
  c.arrival_date = bounded(fields.has("Arrival-Date") ? fields.get("Arrival-Date") : fields.get("Received-Date"), limits);
  c.source_ip = bounded(fields.get("Source-IP"), limits);
  for (std::string_view rcpt : fields.all("Original-Rcpt-To")) {
    if (c.complained_recipients.size() >= limits.max_recipients) {
      report.truncated = true;
      break;
    }
    std::string address = address_of_field(rcpt, limits.max_value_bytes);
    if (!address.empty()) c.complained_recipients.push_back(std::move(address));
  }
}

void fill_original(feedback_report& report, const header_block& headers, const feedback_limits& limits) {
  report.original.message_id = bounded(headers.get("Message-ID"), limits);
  report.original.from = bounded(headers.get("From"), limits);
  report.original.to = bounded(headers.get("To"), limits);
  report.original.subject = bounded(headers.get("Subject"), limits);
}

// The original To's mailboxes, for a complaint without Original-Rcpt-To.
void recipients_from_original_to(feedback_report& report, const feedback_limits& limits) {
  smtp::address_list_result list = smtp::parse_address_list(report.original.to);
  for (const policy::email_address& a : list.mailboxes) {
    if (report.complaint.complained_recipients.size() >= limits.max_recipients) {
      report.truncated = true;
      break;
    }
    report.complaint.complained_recipients.push_back(bounded(a.str(), limits));
  }
}

}  // namespace

std::string_view to_string(feedback_kind kind) {
  switch (kind) {
    case feedback_kind::bounce: return "bounce";
    case feedback_kind::complaint: return "complaint";
    case feedback_kind::delay: return "delay";
    case feedback_kind::not_a_bounce: return "not a bounce";
    case feedback_kind::unrecognised: break;
  }
  return "unrecognised";
}

feedback_report parse_feedback_report(std::string_view message, const feedback_limits& limits) {
  feedback_report report;
  if (message.size() > limits.max_input_bytes) {
    message = message.substr(0, limits.max_input_bytes);
    report.truncated = true;
  }
  std::string_view body;
  header_block headers = parse_header_block(message, &body);
  if (headers.fields.empty()) {
    report.reason = "not a mail message: no header fields";
    return report;
  }

  walk_state state(limits);
  walk(state, headers, body, 0, false);
  if (state.original) fill_original(report, *state.original, limits);

  if (state.feedback_fields && (state.report_type == "feedback-report" || state.report_type.empty() || !state.delivery_status)) {
    report.kind = feedback_kind::complaint;
    read_feedback_fields(*state.feedback_fields, report, limits);
    if (report.complaint.complained_recipients.empty()) recipients_from_original_to(report, limits);
    return report;
  }
  if (state.delivery_status) {
    read_delivery_status(*state.delivery_status, report, limits);
    if (report.kind != feedback_kind::unrecognised) {
      report.bounce.standard = true;
      return report;
    }
  }
  if (state.report && state.report_type == "disposition-notification") {
    report.kind = feedback_kind::not_a_bounce;
    report.reason = "a message disposition notification (read receipt)";
    return report;
  }

  bool from_daemon = from_mail_system(headers);
  bool subject = bounce_subject(headers.get("Subject"));
  plain_bounce_text text = read_plain_bounce(state.text, limits);
  if (!text.returned.empty()) take_original(state, text.returned);
  if (state.original && report.original.message_id.empty()) fill_original(report, *state.original, limits);

  if (state.report || state.delivery_status) {
    // A report we cannot read (another report-type, a DSN without recipient
    // groups): a bounce of some kind, with whatever recipients the text names.
    report.kind = feedback_kind::bounce;
  } else if (std::string why = auto_reply_reason(headers); !why.empty() && !from_daemon && !subject) {
    report.kind = feedback_kind::not_a_bounce;
    report.reason = std::move(why);
    return report;
  } else if (int signs = int(from_daemon) + int(subject) + int(bounce_wording(state.text)); signs >= 2) {
    report.kind = feedback_kind::bounce;
  } else {
    report.reason = "neither a delivery report, a feedback report nor a bounce text";
    return report;
  }
  report.bounce.recipients = std::move(text.recipients);
  if (report.bounce.recipients.empty()) {
    // Exim and Gmail name the failed addresses in a header as well.
    std::string_view failed = headers.get("X-Failed-Recipients");
    while (!failed.empty() && report.bounce.recipients.size() < limits.max_recipients) {
      std::size_t comma = failed.find(',');
      std::string address = address_of_field(failed.substr(0, comma), limits.max_value_bytes);
      failed = comma == std::string_view::npos ? std::string_view{} : failed.substr(comma + 1);
      if (address.empty()) continue;
      bounced_recipient r;
      r.email_address = std::move(address);
      r.action = "failed";
      report.bounce.recipients.push_back(std::move(r));
    }
  }
  report.bounce.classification = {};  // heuristics never decide Permanent: Undetermined
  for (bounced_recipient& r : report.bounce.recipients) r.classification = {};
  report.truncated = report.truncated || text.truncated;
  return report;
}

}  // namespace mfrelay::relay
