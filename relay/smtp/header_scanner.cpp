#include "relay/smtp/header_scanner.hpp"

#include <algorithm>

#include "policy/ascii.hpp"
#include "relay/smtp/standard_replies.hpp"

namespace mfrelay::relay::smtp {
namespace {

using policy::ascii_iequals;

bool is_field_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c >= 33 && c <= 126 && c != ':';
  });
}

// RFC 5322 2.2.3: unfolding removes each CRLF that is followed by whitespace.
std::string unfold(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
      ++i;
      continue;
    }
    out += body[i];
  }
  return out;
}

std::string bounded_text(std::string_view body, std::size_t max) {
  std::string text = unfold(body);
  std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  std::size_t last = text.find_last_not_of(" \t");
  text = text.substr(first, last + 1 - first);
  if (text.size() > max) {
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;  // keep UTF-8 whole
    text.resize(n);
  }
  return text;
}

}  // namespace

void header_scanner::feed(std::string_view content) {
  if (complete_ || truncated_ || content.empty()) return;
  // Search only where the blank line can be: from 3 octets back.
  const std::size_t from = block_.size() >= 3 ? block_.size() - 3 : 0;
  block_ += content.substr(0, std::min(content.size(), limit_ - block_.size()));
  if (block_.compare(0, 2, "\r\n") == 0) {
    block_.clear();  // no header at all: the message starts with its body
    complete_ = true;
    return;
  }
  std::size_t end = block_.find("\r\n\r\n", from);
  if (end != std::string::npos) {
    block_.resize(end + 2);  // keep the CRLF of the last field
    complete_ = true;
  } else if (block_.size() >= limit_) {
    truncated_ = true;
  }
}

message_headers header_scanner::result() const {
  message_headers h;
  h.truncated = truncated_;
  std::string_view block = block_;
  if (truncated_) {
    // The last field may continue past the limit (more addresses on a folded
    // From line), so it is dropped rather than read half.
    std::size_t last_field = 0;
    for (std::size_t p = 0; p < block.size();) {
      if (block[p] != ' ' && block[p] != '\t') last_field = p;
      std::size_t eol = block.find("\r\n", p);
      if (eol == std::string_view::npos) break;
      p = eol + 2;
    }
    block = block.substr(0, last_field);
  }

  // Split into fields: a line starting with whitespace continues the field above.
  std::size_t pos = 0;
  while (pos < block.size()) {
    std::size_t end = pos;
    while (true) {
      std::size_t eol = block.find("\r\n", end);
      if (eol == std::string_view::npos) {
        end = block.size();
        break;
      }
      end = eol + 2;
      if (end >= block.size() || (block[end] != ' ' && block[end] != '\t')) break;
    }
    std::string_view field = block.substr(pos, end - pos);
    pos = end;
    std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;  // not a field: ignored, the scan goes on
    std::string_view name = field.substr(0, colon);
    // Obsolete syntax allows blanks before the colon ("From :"); a reader that
    // honours it must not see a From that we missed.
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    if (!is_field_name(name)) continue;
    std::string_view body = field.substr(colon + 1);
    if (ascii_iequals(name, "From")) {
      ++h.from_fields;
      address_list_result list = parse_address_list(unfold(body), smtputf8_);
      if (!list.ok()) {
        if (h.from.ok()) h.from.error = list.error;
      } else {
        h.from.mailboxes.insert(h.from.mailboxes.end(), list.mailboxes.begin(), list.mailboxes.end());
      }
    } else if (ascii_iequals(name, "Subject") && h.subject.empty()) {
      h.subject = bounded_text(body, max_field_text);
    } else if (ascii_iequals(name, "Message-ID") && h.message_id.empty()) {
      h.message_id = bounded_text(body, max_field_text);
    } else if (ascii_iequals(name, "To") && h.to.empty()) {
      h.to = bounded_text(body, max_field_text);
    }
  }
  if (!h.from.ok()) h.from.mailboxes.clear();
  return h;
}

from_check check_from(const message_headers& headers) {
  from_check c;
  if (headers.from_fields == 0) {
    c.rejection = replies::no_from();
  } else if (!headers.from.ok()) {
    c.rejection = replies::invalid_from(headers.from.error);
  } else if (headers.from.mailboxes.empty()) {
    c.rejection = replies::empty_from();
  } else if (headers.from.mailboxes.size() > 1) {
    c.rejection = replies::several_from();
  } else {
    c.from = headers.from.mailboxes.front();
  }
  return c;
}

}  // namespace mfrelay::relay::smtp
