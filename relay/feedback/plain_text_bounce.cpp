#include "relay/feedback/plain_text_bounce.hpp"

#include <initializer_list>

#include "policy/ascii.hpp"

namespace mfrelay::relay {

namespace {

using policy::ascii_lower;
using policy::ascii_lowered;

constexpr std::size_t max_line_bytes = 1000;  // a longer line is read up to here
constexpr std::size_t max_lines = 5000;       // lines of bounce text read
constexpr std::size_t status_window = 8;      // lines after an address searched for its status

bool contains_any(std::string_view lowered, std::initializer_list<std::string_view> phrases) {
  for (std::string_view p : phrases) {
    if (lowered.find(p) != std::string_view::npos) return true;
  }
  return false;
}

bool local_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view(".!#$%&'*+/=?^_`{|}~-").find(c) != std::string_view::npos;
}

bool domain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// An address starting at s[0]: local@domain.tld, bounded; its length or 0.
std::size_t address_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && i < 64 && local_char(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != '@') return 0;
  std::size_t at = i++;
  std::size_t start = i;
  bool dot = false;
  while (i < s.size() && i - start < 255 && domain_char(s[i])) {
    if (s[i] == '.') dot = true;
    ++i;
  }
  while (i > start && s[i - 1] == '.') --i;  // "a@b.example." ends a sentence
  if (!dot || i == start || s[at + 1] == '.' || s[i - 1] == '-') return 0;
  if (s.substr(start, i - start).find('.') == std::string_view::npos) return 0;
  return i;
}

bool mail_system_address(std::string_view address) {
  std::string lowered = ascii_lowered(address);
  return policy::ascii_istarts_with(lowered, "mailer-daemon@") || policy::ascii_istarts_with(lowered, "postmaster@") ||
         policy::ascii_istarts_with(lowered, "mail-daemon@");
}

// Where the copy of the original message starts in a bounce text.
bool returned_message_marker(std::string_view lowered_line) {
  return contains_any(lowered_line, {"copy of the message", "original message follows", "original message headers",
                                     "header of the original message", "undelivered message headers",
                                     "----- original message", "message headers follow", "returned message follows",
                                     "unsent message below", "the original message was received"});
}

// Where, in a line, an address sits that the line says is a failed recipient.
std::string_view recipient_in_line(std::string_view line, const std::string& lowered) {
  std::string_view t = policy::ascii_trim(line);
  // "<a@b>:" (qmail), "a@b", "<a@b>", "a@b on <date>", "a@b (reason)".
  std::string_view s = t;
  if (!s.empty() && s.front() == '<') s.remove_prefix(1);
  if (std::size_t n = address_at(s); n > 0) {
    std::string_view after = s.substr(n);
    if (after.empty() || after[0] == '>' || after[0] == ':' || after[0] == ' ' || after[0] == '\t' ||
        after[0] == ',' || after[0] == ';') {
      return s.substr(0, n);
    }
  }
  // "RCPT TO:<a@b>", "delivered to a@b", "delivery to a@b", "deliver to a@b".
  for (std::string_view lead : {"rcpt to:", "delivered to ", "delivery to ", "deliver to ", "failed to deliver to "}) {
    std::size_t at = lowered.find(lead);
    if (at == std::string::npos) continue;
    std::size_t pos = at + lead.size();
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '<')) ++pos;
    if (pos >= line.size()) continue;
    if (std::size_t n = address_at(line.substr(pos)); n > 0) return line.substr(pos, n);
  }
  return {};
}

}  // namespace

bool from_mail_system(const header_block& headers) {
  std::string from = ascii_lowered(headers.get("From").substr(0, max_line_bytes));
  return contains_any(from, {"mailer-daemon@", "postmaster@", "mail-daemon@", "<mailer-daemon>", "mailer-daemon "}) ||
         from == "mailer-daemon";
}

bool bounce_subject(std::string_view subject) {
  std::string s = ascii_lowered(subject.substr(0, max_line_bytes));
  return contains_any(s, {"undelivered mail", "undeliverable", "undeliverable mail", "delivery status notification",
                          "mail delivery failed", "delivery failure", "failure notice", "returned mail",
                          "delivery has failed", "could not be delivered", "not delivered", "nondeliverable",
                          "non-deliverable", "delivery notification", "unzustellbar", "non remis",
                          "mail system error", "returned to sender"});
}

bool bounce_wording(std::string_view text) {
  std::string s = ascii_lowered(text.substr(0, 64 * 1024));
  return contains_any(s, {"could not be delivered", "couldn't be delivered", "wasn't delivered", "was not delivered",
                          "undeliverable", "delivery has failed", "permanent fatal error", "permanent error",
                          "this is the qmail-send program", "mail delivery software", "delivery to the following",
                          "unable to deliver", "wasn't able to deliver", "delivery failed", "failed permanently",
                          "message could not be delivered", "did not reach"});
}

std::string auto_reply_reason(const header_block& headers) {
  std::string_view submitted = headers.get("Auto-Submitted");
  if (!submitted.empty()) {
    std::string_view word = policy::ascii_trim(submitted);
    word = word.substr(0, word.find_first_of(" \t;("));  // "auto-replied (vacation)", "auto-replied; owner=..."
    std::string token = ascii_lowered(word);
    if (token != "no") return "an automatic reply (Auto-Submitted: " + token.substr(0, 40) + ")";
  }
  for (std::string_view name : {"X-Autoreply", "X-Autorespond", "X-Auto-Response", "X-Autoresponder"}) {
    if (headers.has(name)) return "an automatic reply (" + std::string(name) + ")";
  }
  for (std::string_view name : {"Precedence", "X-Precedence"}) {
    std::string value = ascii_lowered(policy::ascii_trim(headers.get(name)));
    if (value == "auto_reply" || value == "auto-reply") return "an automatic reply (Precedence: auto_reply)";
  }
  std::string subject = ascii_lowered(headers.get("Subject").substr(0, max_line_bytes));
  if (contains_any(subject, {"out of office", "out of the office", "automatic reply", "autoreply", "auto-reply",
                             "auto reply", "vacation", "abwesenheit", "automatische antwort", "r\xc3\xa9ponse automatique",
                             "away from the office", "away from my email"}) ||
      policy::ascii_istarts_with(subject, "auto:")) {
    return "an automatic reply (vacation or out-of-office subject)";
  }
  return {};
}

std::string address_of_field(std::string_view value, std::size_t max_bytes) {
  value = policy::ascii_trim(value);
  if (std::size_t semi = value.find(';'); semi != std::string_view::npos)
    value = policy::ascii_trim(value.substr(semi + 1));
  if (!value.empty() && value.front() == '<') value.remove_prefix(1);
  if (std::size_t close = value.find('>'); close != std::string_view::npos) value = value.substr(0, close);
  if (std::size_t space = value.find_first_of(" \t"); space != std::string_view::npos) value = value.substr(0, space);
  return std::string(value.substr(0, max_bytes));
}

plain_bounce_text read_plain_bounce(std::string_view text, const feedback_limits& limits) {
  plain_bounce_text out;
  std::size_t pos = 0;
  std::string_view line;
  std::size_t lines = 0;
  std::size_t current = std::string::npos;  // the recipient whose status we are looking for
  std::size_t since = 0;                    // lines read since it was named
  while (next_line(text, pos, line) && ++lines <= max_lines) {
    line = line.substr(0, max_line_bytes);
    std::string lowered = ascii_lowered(line);
    if (returned_message_marker(lowered)) {
      out.returned = text.substr(pos);
      break;
    }
    std::string_view address = recipient_in_line(line, lowered);
    if (!address.empty() && !mail_system_address(address)) {
      std::size_t found = std::string::npos;
      for (std::size_t i = 0; i < out.recipients.size(); ++i) {
        if (policy::ascii_iequals(out.recipients[i].email_address, address)) found = i;
      }
      if (found == std::string::npos) {
        if (out.recipients.size() >= limits.max_recipients) {
          out.truncated = true;
          current = std::string::npos;
          continue;
        }
        bounced_recipient r;
        r.email_address = std::string(address.substr(0, limits.max_value_bytes));
        r.action = "failed";
        out.recipients.push_back(std::move(r));
        found = out.recipients.size() - 1;
      }
      current = found;
      since = 0;
    } else if (++since > status_window) {
      current = std::string::npos;
    }
    if (current == std::string::npos || !out.recipients[current].status.empty()) continue;
    std::string status = find_enhanced_status(line);
    if (status.empty()) continue;
    bounced_recipient& r = out.recipients[current];
    r.status = std::move(status);
    r.diagnostic_code = std::string(policy::ascii_trim(line).substr(0, limits.max_value_bytes));
  }
  return out;
}

}  // namespace mfrelay::relay
