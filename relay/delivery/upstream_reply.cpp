#include "relay/delivery/upstream_reply.hpp"

namespace mfrelay::relay {
namespace {

std::size_t digits_at(std::string_view s, std::size_t pos) {
  std::size_t n = 0;
  while (pos + n < s.size() && s[pos + n] >= '0' && s[pos + n] <= '9') ++n;
  return n;
}

}  // namespace

std::string_view leading_enhanced_status(std::string_view text, int reply_class) {
  if (text.size() < 5 || text[0] != static_cast<char>('0' + reply_class) || text[1] != '.') return {};
  std::size_t subject = digits_at(text, 2);
  if (subject < 1 || subject > 3 || 2 + subject >= text.size() || text[2 + subject] != '.') return {};
  std::size_t detail_at = 3 + subject;
  std::size_t detail = digits_at(text, detail_at);
  if (detail < 1 || detail > 3) return {};
  std::size_t end = detail_at + detail;
  if (end < text.size() && text[end] != ' ') return {};
  return text.substr(0, end);
}

std::string upstream_reply::text() const {
  std::string out;
  for (const auto& line : lines) {
    std::string_view t = line;
    std::string_view status = leading_enhanced_status(t, reply_class());
    if (!status.empty()) {
      t.remove_prefix(status.size());
      while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    }
    if (t.empty()) continue;
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

std::string upstream_reply::summary() const {
  std::string out = std::to_string(code);
  if (!enhanced.empty()) out += ' ' + enhanced;
  std::string t = text();
  if (!t.empty()) out += ' ' + t;
  return out;
}

}  // namespace mfrelay::relay
