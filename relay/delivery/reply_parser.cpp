#include "relay/delivery/reply_parser.hpp"

#include <string>

namespace mfrelay::relay {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Server text goes into logs and JSON events: keep it printable ASCII.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u == '\t')
      c = ' ';
    else if (u < 0x20 || u >= 0x7f)
      c = '?';
  }
  return out;
}

}  // namespace

reply_parse_result parse_reply(std::string_view input, reply_limits limits) {
  reply_parse_result result;
  std::size_t pos = 0;
  for (;;) {
    std::size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (input.size() - pos > limits.max_line) result.status = reply_status::malformed;
      return result;  // need_more (or malformed), nothing consumed
    }
    std::string_view line = input.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > limits.max_line || line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) ||
        !is_digit(line[2]) || line[0] < '2' || line[0] > '5' || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      result.status = reply_status::malformed;
      return result;
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (result.reply.lines.empty()) {
      result.reply.code = code;
    } else if (code != result.reply.code) {
      result.status = reply_status::malformed;
      return result;
    }
    if (result.reply.lines.size() >= limits.max_lines) {
      result.status = reply_status::malformed;
      return result;
    }
    result.reply.lines.push_back(printable(line.size() > 4 ? line.substr(4) : std::string_view{}));
    pos = nl + 1;
    bool last = line.size() == 3 || line[3] == ' ';
    if (last) {
      result.reply.enhanced =
          std::string(leading_enhanced_status(result.reply.lines.front(), result.reply.reply_class()));
      result.status = reply_status::complete;
      result.consumed = pos;
      return result;
    }
  }
}

}  // namespace mfrelay::relay
