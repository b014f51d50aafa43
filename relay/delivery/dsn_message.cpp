#include "relay/delivery/dsn_message.hpp"

#include "policy/ascii.hpp"
#include "relay/common/clock.hpp"
#include "relay/spool/null_sender_envelope.hpp"

namespace mfrelay::relay {
namespace {

constexpr std::size_t max_field = 900;  // RFC 5322 2.1.1: a line is at most 998 octets

bool printable_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// Upstream text and addresses in a delivery-status field: printable ASCII only
// (RFC 3464 fields are 7-bit), each other byte as \x{HH} (RFC 6533's escape), bounded.
std::string field_text(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= max_field) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c <= 0x7e) {
      out += static_cast<char>(c);
    } else {
      out += "\\x{";
      out += hex[c >> 4];
      out += hex[c & 15];
      out += '}';
    }
  }
  return out;
}

// "rfc822; a@example.com", or "utf-8; ..." for an internationalised address (RFC 6533).
std::string address_field(std::string_view address) {
  return (printable_ascii(address) ? "rfc822; " : "utf-8; ") + field_text(address);
}

// RFC 3464 2.3.6: "diagnostic-type; text". Our verdicts already say "smtp; 550 ..."
// for a server's reply; our own reasons get a type of their own, as Postfix's X-Postfix.
std::string diagnostic_field(std::string_view diagnostic) {
  auto semi = diagnostic.find("; ");
  bool typed = semi != std::string_view::npos && semi > 0 && semi < 20;
  for (std::size_t i = 0; typed && i < semi; ++i) {
    char c = diagnostic[i];
    typed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  }
  return field_text(typed ? diagnostic : "X-mfrelay; " + std::string(diagnostic));
}

// The value of the first `name:` field in a header section, unfolded.
std::string header_field(std::string_view headers, std::string_view name) {
  std::size_t pos = 0;
  while (pos < headers.size()) {
    std::size_t end = headers.find('\n', pos);
    if (end == std::string_view::npos) end = headers.size();
    std::string_view line = headers.substr(pos, end - pos);
    if (line.size() > name.size() && line[name.size()] == ':' && policy::ascii_istarts_with(line, name)) {
      std::string value(line.substr(name.size() + 1));
      // Continuation lines start with white space (RFC 5322 2.2.3).
      while (end < headers.size() && end + 1 < headers.size() && (headers[end + 1] == ' ' || headers[end + 1] == '\t')) {
        std::size_t next = headers.find('\n', end + 1);
        if (next == std::string_view::npos) next = headers.size();
        value += headers.substr(end + 1, next - end - 1);
        end = next;
      }
      return value;
    }
    pos = end + 1;
  }
  return {};
}

std::string without_cr(std::string s) {
  std::erase(s, '\r');
  return s;
}

}  // namespace

std::string header_section(std::string_view message, std::size_t limit) {
  std::size_t pos = 0;
  std::size_t kept = 0;  // bytes up to the last whole line that fits
  while (pos < message.size()) {
    std::size_t end = message.find('\n', pos);
    std::size_t next = end == std::string_view::npos ? message.size() : end + 1;
    std::string_view line = message.substr(pos, next - pos);
    if (line == "\r\n" || line == "\n") break;  // the empty line: the body follows
    if (next > limit) break;
    kept = next;
    pos = next;
  }
  std::string out(message.substr(0, kept));
  if (!out.empty() && !out.ends_with('\n')) out += "\r\n";
  return out;
}

bool wants_dsn(const envelope& original, std::string_view original_headers) {
  if (original.original_sender.empty()) return false;
  std::string type = policy::ascii_lowered(without_cr(header_field(original_headers, "Content-Type")));
  if (type.find("multipart/report") != std::string::npos && type.find("delivery-status") != std::string::npos)
    return false;
  return true;
}

std::optional<dsn_message> make_dsn(const envelope& original, std::string_view original_headers,
                                    std::span<const dsn_failure> failed, const std::string& hostname,
                                    const std::string& message_id, policy::timestamp now) {
  if (failed.empty() || !wants_dsn(original, original_headers)) return std::nullopt;
  const std::string host = field_text(hostname);
  const std::string boundary = "=_mfrelay_dsn_" + message_id;
  const std::string header_message_id = "<" + message_id + "@" + host + ">";
  const std::string from = "MAILER-DAEMON@" + host;
  const std::string subject = "Undelivered Mail Returned to Sender";

  std::string m;
  auto line = [&m](std::string_view text = {}) {
    m += text;
    m += "\r\n";
  };
  line("From: Mail Delivery System <" + from + ">");
  line("To: <" + original.original_sender + ">");
  line("Subject: " + subject);
  line("Date: " + rfc5322_date(now));
  line("Message-ID: " + header_message_id);
  line("Auto-Submitted: auto-replied");  // RFC 3834: a machine answering; no replies to this
  line("MIME-Version: 1.0");
  line("Content-Type: multipart/report; report-type=delivery-status;");
  line("\tboundary=\"" + boundary + "\"");
  line();
  line("This is a MIME-encapsulated message.");
  line();

  line("--" + boundary);
  line("Content-Type: text/plain; charset=us-ascii");
  line("Content-Description: Notification");
  line();
  line("This is the mail system at host " + host + ".");
  line();
  line("Your message " + field_text(original.id) + " could not be delivered to " +
       (failed.size() == 1 ? std::string("one recipient") : std::to_string(failed.size()) + " recipients") +
       ". It will not be tried again.");
  line();
  for (const auto& f : failed) {
    line("<" + field_text(f.outcome.address) + ">: " + field_text(f.outcome.verdict.status) + " " +
         field_text(f.outcome.verdict.diagnostic));
  }
  line();

  line("--" + boundary);
  line("Content-Type: message/delivery-status");
  line("Content-Description: Delivery report");
  line();
  line("Reporting-MTA: dns; " + host);
  line("X-Mfrelay-Queue-ID: " + field_text(original.id));
  line("Arrival-Date: " + rfc5322_date(original.received_at));
  for (const auto& f : failed) {
    line();  // each per-recipient group follows an empty line (RFC 3464 2.1)
    // No Original-Recipient: that field quotes the client's ORCPT, which we do not take.
    line("Final-Recipient: " + address_field(f.outcome.address));
    line("Action: failed");
    line("Status: " + field_text(f.outcome.verdict.status.empty() ? "5.0.0" : f.outcome.verdict.status));
    if (!f.remote_mta.empty()) line("Remote-MTA: dns; " + field_text(f.remote_mta));
    line("Diagnostic-Code: " + diagnostic_field(f.outcome.verdict.diagnostic));
    line("Last-Attempt-Date: " + rfc5322_date(f.at));
  }
  line();

  line("--" + boundary);
  line("Content-Type: text/rfc822-headers");
  line("Content-Description: Undelivered Message Headers");
  line();
  m += header_section(original_headers);
  line();
  line("--" + boundary + "--");

  dsn_message dsn;
  dsn.content = std::move(m);
  dsn.env = null_sender_envelope({.id = message_id,
                                  .to = original.original_sender,
                                  .from = from,
                                  .header_message_id = header_message_id,
                                  .subject = subject,
                                  .decision = "bounce",
                                  .listener = "bounces",
                                  .more_mail = {{"bounceOf", original.id}}},
                                 now);
  return dsn;
}

}  // namespace mfrelay::relay
