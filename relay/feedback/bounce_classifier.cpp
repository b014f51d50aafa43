#include "relay/feedback/bounce_classifier.hpp"

#include <initializer_list>
#include <string>

#include "policy/ascii.hpp"

namespace mfrelay::relay {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits at `i`, 1 to `max` of them; how many (0 when none or too many).
std::size_t digits_at(std::string_view s, std::size_t i, std::size_t max) {
  std::size_t n = 0;
  while (i + n < s.size() && is_digit(s[i + n])) ++n;
  return n <= max ? n : 0;
}

// The diagnostic text read for phrases: lower case, bounded.
std::string lowered_prefix(std::string_view text) { return policy::ascii_lowered(text.substr(0, 4096)); }

bool mentions(const std::string& text, std::initializer_list<std::string_view> phrases) {
  for (std::string_view p : phrases) {
    if (text.find(p) != std::string::npos) return true;
  }
  return false;
}

struct code {
  int cls = 0;
  int subject = -1;
  int detail = -1;
};

code parse_code(std::string_view status) {
  code c;
  if (status.size() < 5 || !(status[0] == '2' || status[0] == '4' || status[0] == '5') || status[1] != '.') return c;
  std::size_t n1 = digits_at(status, 2, 3);
  if (n1 == 0 || 2 + n1 >= status.size() || status[2 + n1] != '.') return c;
  std::size_t n2 = digits_at(status, 3 + n1, 3);
  if (n2 == 0 || 3 + n1 + n2 != status.size()) return c;
  c.cls = status[0] - '0';
  c.subject = std::stoi(std::string(status.substr(2, n1)));
  c.detail = std::stoi(std::string(status.substr(3 + n1, n2)));
  return c;
}

// The first basic reply code ("550", "452") standing alone in the text.
int basic_class(std::string_view text) {
  for (std::size_t i = 0; i + 3 <= text.size() && i < 4096; ++i) {
    if ((text[i] == '4' || text[i] == '5') && is_digit(text[i + 1]) && is_digit(text[i + 2]) &&
        (i == 0 || (!is_digit(text[i - 1]) && text[i - 1] != '.')) &&
        (i + 3 == text.size() || text[i + 3] == ' ' || text[i + 3] == '-')) {
      return text[i] - '0';
    }
  }
  return 0;
}

}  // namespace

std::string_view to_string(bounce_type type) {
  switch (type) {
    case bounce_type::permanent: return "Permanent";
    case bounce_type::transient: return "Transient";
    case bounce_type::undetermined: break;
  }
  return "Undetermined";
}

std::string_view to_string(bounce_subtype subtype) {
  switch (subtype) {
    case bounce_subtype::general: return "General";
    case bounce_subtype::no_email: return "NoEmail";
    case bounce_subtype::mailbox_full: return "MailboxFull";
    case bounce_subtype::message_too_large: return "MessageTooLarge";
    case bounce_subtype::content_rejected: return "ContentRejected";
    case bounce_subtype::attachment_rejected: return "AttachmentRejected";
    case bounce_subtype::undetermined: break;
  }
  return "Undetermined";
}

std::string find_enhanced_status(std::string_view text) {
  text = text.substr(0, 4096);
  for (std::size_t i = 0; i + 5 <= text.size(); ++i) {
    char c = text[i];
    if (!(c == '2' || c == '4' || c == '5') || text[i + 1] != '.') continue;
    if (i > 0 && (is_digit(text[i - 1]) || text[i - 1] == '.')) continue;
    std::size_t n1 = digits_at(text, i + 2, 3);
    if (n1 == 0 || i + 2 + n1 >= text.size() || text[i + 2 + n1] != '.') continue;
    std::size_t n2 = digits_at(text, i + 3 + n1, 3);
    if (n2 == 0) continue;
    std::size_t end = i + 3 + n1 + n2;
    if (end < text.size() && (text[end] == '.' || is_digit(text[end]))) continue;  // an IP address, a version
    return std::string(text.substr(i, end - i));
  }
  return {};
}

bounce_class classify_bounce(std::string_view status, std::string_view diagnostic) {
  code c = parse_code(status);
  code from_text = parse_code(find_enhanced_status(diagnostic));
  // A generic status ("5.0.0", what some MTAs write when they did not map the
  // reply) gives way to the remote server's own, more specific code.
  if (from_text.cls == c.cls && from_text.cls != 0 && c.subject == 0 && c.detail == 0) c = from_text;
  if (c.cls == 0) c = from_text;
  int cls = c.cls != 0 ? c.cls : basic_class(diagnostic);

  std::string text = lowered_prefix(diagnostic);
  bounce_subtype subtype = bounce_subtype::general;
  bool no_email_text = mentions(text, {"user unknown", "unknown user", "no such user", "no such recipient",
                                       "no such mailbox", "mailbox not found", "mailbox unavailable",
                                       "does not exist", "doesn't exist", "invalid recipient", "recipient unknown",
                                       "unknown recipient", "address rejected", "no mailbox", "not our customer",
                                       "account disabled", "account has been disabled"});
  bool full_text = mentions(text, {"mailbox full", "mailbox is full", "over quota", "quota exceeded",
                                   "exceeded storage", "exceeds storage", "insufficient storage",
                                   "out of storage", "mailbox size limit", "over its quota", "full mailbox"});
  bool size_text = mentions(text, {"too large", "too big", "size limit", "message size exceeds",
                                   "exceeds the maximum size", "message length exceeds", "size exceeds"});
  bool attachment_text = mentions(text, {"attachment", "file type", "file extension", "blocked extension"});
  bool content_text = mentions(text, {"spam", "content", "virus", "malware", "phishing", "unsolicited",
                                      "suspicious", "blocked for policy", "message rejected"});

  if (c.subject == 1 && c.detail == 1) {
    subtype = bounce_subtype::no_email;
  } else if (c.subject == 2 && c.detail == 2) {
    subtype = bounce_subtype::mailbox_full;
  } else if ((c.subject == 3 && c.detail == 4) || (c.subject == 2 && c.detail == 3)) {
    subtype = bounce_subtype::message_too_large;
  } else if (c.subject == 6) {
    subtype = attachment_text ? bounce_subtype::attachment_rejected : bounce_subtype::content_rejected;
  } else if (c.subject == 7) {
    if (attachment_text) subtype = bounce_subtype::attachment_rejected;
    else if (content_text) subtype = bounce_subtype::content_rejected;
  } else if (c.subject <= 0 || (c.subject == 1 && c.detail == 0) || (c.subject == 2 && c.detail == 0)) {
    // No code, or a code that names no cause: the words decide.
    if (full_text) subtype = bounce_subtype::mailbox_full;
    else if (size_text) subtype = bounce_subtype::message_too_large;
    else if (no_email_text && c.subject != 2) subtype = bounce_subtype::no_email;
    else if (attachment_text) subtype = bounce_subtype::attachment_rejected;
    else if (content_text && c.subject <= 0) subtype = bounce_subtype::content_rejected;
  }

  bounce_class out;
  if (cls != 4 && cls != 5) return out;  // Undetermined / Undetermined
  out.subtype = subtype;
  switch (subtype) {
    case bounce_subtype::no_email:
      out.type = cls == 5 ? bounce_type::permanent : bounce_type::transient;
      if (cls == 4) out.subtype = bounce_subtype::general;  // a "try later" is never a missing mailbox
      break;
    case bounce_subtype::mailbox_full:
    case bounce_subtype::message_too_large:
    case bounce_subtype::content_rejected:
    case bounce_subtype::attachment_rejected:
      out.type = bounce_type::transient;
      break;
    default:
      out.type = cls == 5 ? bounce_type::permanent : bounce_type::transient;
      break;
  }
  return out;
}

}  // namespace mfrelay::relay
