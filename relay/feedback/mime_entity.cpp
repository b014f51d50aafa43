#include "relay/feedback/mime_entity.hpp"

#include <cstdint>

#include "policy/ascii.hpp"
#include "relay/auth/base64.hpp"

namespace mfrelay::relay {

namespace {

using policy::ascii_iequals;
using policy::ascii_lower;

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ascii_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string decode_quoted_printable(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '=') {
      out += c;
      continue;
    }
    // Soft line break: "=" then optional whitespace then CRLF or LF.
    std::size_t j = i + 1;
    while (j < body.size() && is_wsp(body[j])) ++j;
    if (j < body.size() && body[j] == '\r' && j + 1 < body.size() && body[j + 1] == '\n') {
      i = j + 1;
      continue;
    }
    if (j < body.size() && body[j] == '\n') {
      i = j;
      continue;
    }
    if (j == body.size()) break;
    if (i + 2 < body.size()) {
      int hi = hex_value(body[i + 1]);
      int lo = hex_value(body[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += c;  // a bad escape stays as written
  }
  return out;
}

}  // namespace

bool next_line(std::string_view text, std::size_t& pos, std::string_view& line) {
  if (pos >= text.size()) return false;
  std::size_t end = text.find('\n', pos);
  std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
  if (end == std::string_view::npos) end = text.size();
  std::size_t stop = end;
  if (stop > pos && text[stop - 1] == '\r') --stop;
  line = text.substr(pos, stop - pos);
  pos = next;
  return true;
}

std::string_view header_block::get(std::string_view name) const {
  for (const header_field& f : fields) {
    if (ascii_iequals(f.name, name)) return f.value;
  }
  return {};
}

bool header_block::has(std::string_view name) const {
  for (const header_field& f : fields) {
    if (ascii_iequals(f.name, name)) return true;
  }
  return false;
}

std::vector<std::string_view> header_block::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const header_field& f : fields) {
    if (ascii_iequals(f.name, name)) out.push_back(f.value);
  }
  return out;
}

header_block parse_header_block(std::string_view text, std::string_view* rest, const mime_limits& limits) {
  header_block block;
  std::size_t pos = 0;
  std::string_view line;
  bool in_field = false;  // the last line started a field we keep: folds go to it
  if (rest) *rest = {};
  while (next_line(text, pos, line)) {
    if (policy::ascii_trim(line).empty()) {  // a line of only spaces ends the block too (some MTAs write them in DSNs)
      if (rest) *rest = text.substr(pos);
      break;
    }
    if (is_wsp(line.front())) {
      if (in_field) {
        std::string& value = block.fields.back().value;
        std::size_t room = limits.max_field_bytes > value.size() ? limits.max_field_bytes - value.size() : 0;
        value.append(line.substr(0, room));
      }
      continue;
    }
    in_field = false;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view name = line.substr(0, colon);
    while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);  // "Subject :" (obsolete syntax)
    if (name.empty() || block.fields.size() >= limits.max_fields) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && is_wsp(value.front())) value.remove_prefix(1);
    block.fields.push_back({std::string(name), std::string(value.substr(0, limits.max_field_bytes))});
    in_field = true;
  }
  for (header_field& f : block.fields) f.value = std::string(policy::ascii_trim(f.value));
  return block;
}

std::string_view content_type::param(std::string_view name) const {
  for (const header_field& p : params) {
    if (p.name == name) return p.value;
  }
  return {};
}

content_type parse_content_type(std::string_view value) {
  // Comments out first, outside quoted strings.
  std::string text;
  text.reserve(value.size());
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (quoted) {
      text += c;
      if (c == '\\' && i + 1 < value.size()) text += value[++i];
      else if (c == '"') quoted = false;
    } else if (depth > 0) {
      if (c == '\\') ++i;
      else if (c == '(') ++depth;
      else if (c == ')') --depth;
    } else if (c == '(') {
      depth = 1;
    } else {
      if (c == '"') quoted = true;
      text += c;
    }
  }

  content_type ct;
  std::string_view rest = text;
  std::size_t semi = rest.find(';');
  std::string_view full = policy::ascii_trim(rest.substr(0, semi));
  std::size_t slash = full.find('/');
  if (slash != std::string_view::npos && slash > 0 && slash + 1 < full.size()) {
    ct.type = policy::ascii_lowered(policy::ascii_trim(full.substr(0, slash)));
    ct.subtype = policy::ascii_lowered(policy::ascii_trim(full.substr(slash + 1)));
  } else {
    ct.type = "text";
    ct.subtype = "plain";
  }
  rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);

  while (!rest.empty() && ct.params.size() < 32) {
    std::size_t eq = rest.find('=');
    std::size_t sc = rest.find(';');
    if (eq == std::string_view::npos || (sc != std::string_view::npos && sc < eq)) {
      if (sc == std::string_view::npos) break;
      rest.remove_prefix(sc + 1);  // "name;" without a value
      continue;
    }
    std::string name = policy::ascii_lowered(policy::ascii_trim(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    while (!rest.empty() && is_wsp(rest.front())) rest.remove_prefix(1);
    std::string val;
    if (!rest.empty() && rest.front() == '"') {
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        val += rest[i];
      }
      rest.remove_prefix(i < rest.size() ? i + 1 : rest.size());
      std::size_t next = rest.find(';');
      rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    } else {
      std::size_t next = rest.find(';');
      val = std::string(policy::ascii_trim(rest.substr(0, next)));
      rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    }
    ct.params.push_back({std::move(name), std::move(val)});
  }
  return ct;
}

std::string decode_transfer(std::string_view body, std::string_view encoding) {
  std::string_view enc = policy::ascii_trim(encoding);
  if (ascii_iequals(enc, "base64")) return base64_decode_lenient(body);
  if (ascii_iequals(enc, "quoted-printable")) return decode_quoted_printable(body);
  return std::string(body);
}

std::vector<std::string_view> split_multipart(std::string_view body, std::string_view boundary,
                                              const mime_limits& limits) {
  std::vector<std::string_view> parts;
  if (boundary.empty() || boundary.size() > limits.max_boundary_bytes) return parts;
  std::size_t pos = 0;
  std::string_view line;
  std::size_t part_start = std::string_view::npos;  // npos: still in the preamble
  std::size_t line_start = 0;
  while (line_start = pos, next_line(body, pos, line)) {
    if (line.size() < boundary.size() + 2 || line[0] != '-' || line[1] != '-' ||
        line.substr(2, boundary.size()) != boundary) {
      continue;
    }
    std::string_view after = line.substr(2 + boundary.size());
    bool close = after.size() >= 2 && after[0] == '-' && after[1] == '-';
    if (!close && !policy::ascii_trim(after).empty()) continue;  // "--boundaryX": another boundary, not ours
    if (part_start != std::string_view::npos) {
      // The CRLF before the delimiter line belongs to the delimiter (RFC 2046 5.1.1).
      std::size_t end = line_start;
      if (end > part_start && body[end - 1] == '\n') --end;
      if (end > part_start && body[end - 1] == '\r') --end;
      if (parts.size() < limits.max_parts) parts.push_back(body.substr(part_start, end - part_start));
    }
    if (close) return parts;
    part_start = pos;
  }
  if (part_start != std::string_view::npos && part_start < body.size() && parts.size() < limits.max_parts) {
    parts.push_back(body.substr(part_start));  // no close delimiter: the last part runs to the end
  }
  return parts;
}

}  // namespace mfrelay::relay
