#include "relay/dkim/message_tap.hpp"

namespace mfrelay::relay::dkim {

void message_tap::feed(std::string_view content) {
  if (in_body_) {
    body_.feed(content);
    return;
  }
  if (overflowed_) return;
  std::size_t before = header_.size();
  header_.append(content);
  // The blank line: CRLF at the very start (no header at all), or CRLF CRLF.
  std::size_t end = std::string::npos;
  std::size_t body_start = 0;
  if (header_.starts_with("\r\n")) {
    end = 0;
    body_start = 2;
  } else {
    std::size_t from = before >= 3 ? before - 3 : 0;
    std::size_t at = header_.find("\r\n\r\n", from);
    if (at != std::string::npos) {
      end = at + 2;  // the last field keeps its CRLF
      body_start = at + 4;
    }
  }
  if (end == std::string::npos) {
    if (header_.size() > limit_) {
      overflowed_ = true;
      header_.clear();
    }
    return;
  }
  in_body_ = true;
  body_.feed(std::string_view(header_).substr(body_start));
  header_.resize(end);
}

sha256::digest message_tap::finish() { return body_.finish(); }

}  // namespace mfrelay::relay::dkim
