#include "relay/smtp/reply_renderer.hpp"

#include <algorithm>

namespace mfrelay::relay::smtp {
namespace {

bool is_digits(std::string_view s, std::size_t max) {
  return !s.empty() && s.size() <= max &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 3463: class "." subject "." detail, with class 2, 4 or 5 and 1-3 digits each.
bool is_enhanced_status(std::string_view s) {
  if (s.size() < 5 || s[1] != '.' || (s[0] != '2' && s[0] != '4' && s[0] != '5')) return false;
  std::string_view rest = s.substr(2);
  std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return false;
  return is_digits(rest.substr(0, dot), 3) && is_digits(rest.substr(dot + 1), 3);
}

// A reply text is one line of printable text: anything that could end the line
// early or confuse a terminal becomes a space. UTF-8 (SMTPUTF8 addresses) stays.
std::string sanitize(std::string_view text, std::size_t max) {
  std::string out(text.substr(0, std::min(text.size(), max)));
  for (char& ch : out) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) ch = ' ';
  }
  if (text.size() > max) {
    // Do not leave half a UTF-8 sequence at the end.
    std::size_t n = out.size();
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;
    out.resize(n);
  }
  return out;
}

std::string render_line(int code, char separator, std::string_view enhanced, std::string_view text,
                        bool enhanced_codes) {
  std::string line = std::to_string(code);
  line += separator;
  if (enhanced_codes && !enhanced.empty()) {
    line += enhanced;
    line += ' ';
  }
  line += sanitize(text, max_reply_line - 2 - line.size());
  line += "\r\n";
  return line;
}

}  // namespace

policy::smtp_reply normalize_reply(policy::smtp_reply reply) {
  if (reply.code < 200 || reply.code > 599) {
    return {451, "4.3.5", "Error: server configuration error"};
  }
  const char reply_class = static_cast<char>('0' + reply.code / 100);
  if (reply_class == '3') {
    reply.enhanced.clear();
  } else if (!reply.enhanced.empty()) {
    if (is_enhanced_status(reply.enhanced)) {
      reply.enhanced[0] = reply_class;
    } else {
      reply.enhanced = std::string(1, reply_class) + ".0.0";
    }
  }
  return reply;
}

std::string render_reply(const policy::smtp_reply& reply, bool enhanced_codes) {
  policy::smtp_reply r = normalize_reply(reply);
  return render_line(r.code, ' ', r.enhanced, r.text, enhanced_codes);
}

std::string render_multiline_reply(int code, std::string_view enhanced,
                                   const std::vector<std::string>& lines, bool enhanced_codes) {
  policy::smtp_reply r = normalize_reply({code, std::string(enhanced), ""});
  if (lines.empty()) return render_line(r.code, ' ', r.enhanced, "", enhanced_codes);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += render_line(r.code, i + 1 == lines.size() ? ' ' : '-', r.enhanced, lines[i], enhanced_codes);
  }
  return out;
}

}  // namespace mfrelay::relay::smtp
