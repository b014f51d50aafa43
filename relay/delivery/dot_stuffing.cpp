#include "relay/delivery/dot_stuffing.hpp"

#include <cstdint>
#include <cstring>

namespace mfrelay::relay {

// Line by line, each line's text appended whole: the spool holds CRLF lines, so
// the usual line costs two memchr scans and one append, not a branch per octet.
std::string dot_stuff(std::string_view content) {
  std::string out;
  out.reserve(content.size() + content.size() / 64 + 8);
  const char* p = content.data();
  const char* const end = p + content.size();
  while (p < end) {
    if (*p == '.') out += '.';
    // This line's text: up to the first CR or LF. The first LF bounds the search
    // for a CR, so a CRLF line is found with two scans.
    const char* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* stop = lf ? lf : end;
    const char* cr = static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(stop - p)));
    const char* eol = cr ? cr : stop;
    out.append(p, static_cast<std::size_t>(eol - p));
    if (eol == end) break;  // content that does not end with a line break
    // CRLF, bare CR and bare LF each end one line.
    p = (*eol == '\r' && eol + 1 < end && eol[1] == '\n') ? eol + 2 : eol + 1;
    out += "\r\n";
    if (p == end) {
      out += ".\r\n";
      return out;
    }
  }
  if (!content.empty()) out += "\r\n";
  out += ".\r\n";
  return out;
}

bool has_8bit(std::string_view bytes) {
  // Eight octets at a time; the high bits of all of them in one test.
  constexpr std::uint64_t high = 0x8080808080808080ULL;
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    if (word & high) return true;
  }
  for (; i < bytes.size(); ++i)
    if (static_cast<unsigned char>(bytes[i]) >= 0x80) return true;
  return false;
}

}  // namespace mfrelay::relay
