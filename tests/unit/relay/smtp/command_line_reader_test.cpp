// Command lines: CRLF and bare LF ends, bare CR refused, the 512-octet limit,
// and the reader stopping right after each line so the driver keeps the rest.
#include <doctest/doctest.h>

#include <string>

#include "relay/smtp/command_line_reader.hpp"

namespace mfrelay::relay::smtp {
namespace {

using status = command_line_reader::status;

TEST_CASE("a line ends at LF, CR before it stripped, and the reader stops there") {
  command_line_reader reader;
  auto r = reader.put("EHLO client\r\nMAIL FROM:<a@b.example>\r\n");
  CHECK(r.what == status::line);
  CHECK(r.line == "EHLO client");
  CHECK(r.consumed == 13);
  r = reader.put("MAIL FROM:<a@b.example>\r\n");
  CHECK(r.what == status::line);
  CHECK(r.line == "MAIL FROM:<a@b.example>");
  CHECK(r.consumed == 25);

  r = reader.put("NOOP\nQUIT\n");  // bare LF is accepted in the command phase
  CHECK(r.what == status::line);
  CHECK(r.line == "NOOP");
  CHECK(r.consumed == 5);

  r = reader.put("\r\n");
  CHECK(r.what == status::line);
  CHECK(r.line.empty());
}

TEST_CASE("a line may arrive in pieces, CRLF split included") {
  command_line_reader reader;
  auto r = reader.put("NO");
  CHECK(r.what == status::need_more);
  CHECK(r.consumed == 2);
  r = reader.put("OP\r");
  CHECK(r.what == status::need_more);
  CHECK(r.consumed == 3);
  r = reader.put("\nRSET");
  CHECK(r.what == status::line);
  CHECK(r.line == "NOOP");
  CHECK(r.consumed == 1);
}

TEST_CASE("a bare CR inside a command line is an error for the whole line") {
  for (std::string input : {"NO\rOP\r\n", "\r\r\n", "A\rB\n", "\rNOOP\r\n"}) {
    CAPTURE(input);
    command_line_reader reader;
    auto r = reader.put(input);
    CHECK(r.what == status::bare_cr);
    CHECK(r.consumed == input.size());
  }
  command_line_reader reader;
  CHECK(reader.put("NO\r").what == status::need_more);
  CHECK(reader.put("X\r\n").what == status::bare_cr);
  CHECK(reader.put("NOOP\r\n").line == "NOOP");  // the next line is fine
}

TEST_CASE("lines are at most 512 octets including the line end") {
  struct row {
    std::string input;
    status expected;
  };
  const row rows[] = {
      {std::string(510, 'a') + "\r\n", status::line},
      {std::string(511, 'a') + "\r\n", status::too_long},
      {std::string(511, 'a') + "\n", status::line},
      {std::string(512, 'a') + "\n", status::too_long},
      {std::string(100000, 'a') + "\r\n", status::too_long},
  };
  for (const auto& r : rows) {
    CAPTURE(r.input.size());
    command_line_reader reader;
    auto result = reader.put(r.input);
    CHECK(result.what == r.expected);
    CHECK(result.consumed == r.input.size());
    if (r.expected == status::line) CHECK(result.line.size() == r.input.find_first_of("\r\n"));
  }
}

TEST_CASE("the rest of a long line is discarded up to its LF only, even fed byte by byte") {
  command_line_reader reader;
  const std::string input = std::string(2000, 'x') + "\r\nNOOP\r\n";
  std::size_t pos = 0;
  command_line_reader::result r;
  while (r.what == status::need_more) {
    r = reader.put(std::string_view(input).substr(pos, 1));
    pos += r.consumed;
  }
  CHECK(r.what == status::too_long);
  CHECK(pos == 2002);
  r = reader.put(std::string_view(input).substr(pos));
  CHECK(r.what == status::line);
  CHECK(r.line == "NOOP");
}

TEST_CASE("reset forgets a partial line") {
  command_line_reader reader;
  CHECK(reader.put("MAIL FROM:<x@evil.example>").what == status::need_more);
  reader.reset();
  auto r = reader.put("EHLO c\r\n");
  CHECK(r.line == "EHLO c");
}

}  // namespace
}  // namespace mfrelay::relay::smtp
