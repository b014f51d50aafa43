// Reads back an RFC 5322 message as the spool stores it: checks the line
// endings and lengths, and splits the header fields from the body.
#pragma once
#include <doctest/doctest.h>

#include <map>
#include <string>

namespace mfrelay::relay::test {

struct parsed_message {
  std::map<std::string, std::string> headers;  // name -> value (unfolded, no repeats expected)
  std::string body;
};

// Fails the test on a bare LF or CR, a line over 998 octets, or an 8-bit byte.
inline void check_wire_form(const std::string& m) {
  std::size_t line = 0;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const auto c = static_cast<unsigned char>(m[i]);
    REQUIRE_MESSAGE(c < 0x80, "8-bit byte at ", i);
    if (c == '\n') REQUIRE_MESSAGE((i > 0 && m[i - 1] == '\r'), "bare LF at ", i);
    if (c == '\r') REQUIRE_MESSAGE((i + 1 < m.size() && m[i + 1] == '\n'), "bare CR at ", i);
    line = c == '\n' ? 0 : line + 1;
    REQUIRE_MESSAGE(line <= 999, "line over 998 octets at ", i);  // 998 + the CR
  }
  REQUIRE(m.ends_with("\r\n"));
}

inline parsed_message parse_message(const std::string& m) {
  check_wire_form(m);
  parsed_message out;
  const auto end = m.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  std::size_t at = 0;
  while (at < end + 2) {
    const auto eol = m.find("\r\n", at);
    std::string line = m.substr(at, eol - at);
    at = eol + 2;
    const auto colon = line.find(':');
    REQUIRE_MESSAGE(colon != std::string::npos, "not a header field: ", line);
    REQUIRE_MESSAGE(line.find(' ') > colon, "a field name with a space: ", line);
    REQUIRE(out.headers.count(line.substr(0, colon)) == 0);
    out.headers[line.substr(0, colon)] = line.substr(colon + 2);
  }
  out.body = m.substr(end + 4);
  return out;
}

}  // namespace mfrelay::relay::test
