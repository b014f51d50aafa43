// dot_stuff: the bytes after 354. Every leading dot doubled, CRLF only, CRLF.CRLF at the end.
#include "relay/delivery/dot_stuffing.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace mfrelay::relay {
namespace {

TEST_CASE("dot_stuff: table") {
  struct row {
    std::string content, wire;
  };
  const std::vector<row> rows = {
      {"", ".\r\n"},
      {"a\r\n", "a\r\n.\r\n"},
      {"a", "a\r\n.\r\n"},       // a CRLF is added before the dot
      {".\r\n", "..\r\n.\r\n"},  // a lone dot is not the end
      {"..x\r\n", "...x\r\n.\r\n"},
      {"a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
      {"x.y\r\n .z\r\n", "x.y\r\n .z\r\n.\r\n"},  // only a dot at the start of a line
      {"Subject: s\r\n\r\n.hidden", "Subject: s\r\n\r\n..hidden\r\n.\r\n"},
      {"a\nb\n", "a\r\nb\r\n.\r\n"},         // bare LF
      {"a\rb\r", "a\r\nb\r\n.\r\n"},         // bare CR
      {"a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"},  // smuggling attempt with bare LF
      {"a\r\r\n.\r\r\nb", "a\r\n\r\n..\r\n\r\nb\r\n.\r\n"},
      {"\r\n", "\r\n.\r\n"},
      {"caf\xc3\xa9\r\n", "caf\xc3\xa9\r\n.\r\n"},  // 8-bit octets pass untouched
      {std::string("nul\0byte\r\n", 10), std::string("nul\0byte\r\n.\r\n", 13)},
  };
  for (const auto& r : rows) {
    CAPTURE(r.content);
    CHECK(dot_stuff(r.content) == r.wire);
  }
}

TEST_CASE("dot_stuff: the wire form never holds CRLF.CRLF before its end, nor a bare CR or LF") {
  std::string content = ".\r\n.\n\r.\r\r\n..\r\n.";
  std::string wire = dot_stuff(content);
  CHECK(wire.find("\r\n.\r\n") == wire.size() - 5);
  for (std::size_t i = 0; i < wire.size(); ++i) {
    if (wire[i] == '\r') CHECK(wire[i + 1] == '\n');
    if (wire[i] == '\n') CHECK(wire[i - 1] == '\r');
  }
}

TEST_CASE("has_8bit") {
  CHECK_FALSE(has_8bit(""));
  CHECK_FALSE(has_8bit("plain ASCII\r\n\x7f"));
  CHECK(has_8bit("caf\xc3\xa9"));
  CHECK(has_8bit("\x80"));
  // Every position of a longer text, the word-at-a-time part and the tail alike.
  for (std::size_t at = 0; at < 40; ++at) {
    std::string text(40, 'a');
    CHECK_FALSE(has_8bit(text));
    text[at] = '\xe9';
    CAPTURE(at);
    CHECK(has_8bit(text));
  }
}

TEST_CASE("dot_stuff: long lines and many lines keep every octet") {
  std::string content, wire;
  for (int i = 0; i < 300; ++i) {
    std::string line = (i % 7 == 0 ? "." : "") + std::string(static_cast<std::size_t>(i % 120), 'x');
    content += line + "\r\n";
    wire += (i % 7 == 0 ? "." : "") + line + "\r\n";
  }
  CHECK(dot_stuff(content) == wire + ".\r\n");
}

}  // namespace
}  // namespace mfrelay::relay
