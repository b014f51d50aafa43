// The DATA phase decoder: terminator, dot-stuffing, chunking, and each rule
// that marks a message bad (bare CR/LF, NUL, long lines, size).
#include <doctest/doctest.h>

#include <string>

#include "relay/smtp/data_decoder.hpp"
#include "relay/smtp/reply_renderer.hpp"

namespace mfrelay::relay::smtp {
namespace {

using policy::bare_newline_mode;

struct decoded {
  std::string content;
  std::size_t consumed = 0;
  bool ended = false;
  std::string rejection;  // rendered, or empty
};

// Feeds `input` in pieces of `piece` octets (0: all at once), as a driver would.
decoded decode(const std::string& input, bare_newline_mode mode = bare_newline_mode::reject,
               std::uint64_t max = 1'000'000, std::size_t piece = 0) {
  data_decoder d(max, mode);
  decoded out;
  std::size_t pos = 0;
  while (pos < input.size() && !out.ended) {
    std::size_t n = piece == 0 ? input.size() - pos : std::min(piece, input.size() - pos);
    std::string_view chunk = std::string_view(input).substr(pos, n);
    while (!chunk.empty() && !out.ended) {
      auto r = d.put(chunk);
      REQUIRE((r.consumed > 0 || r.ended));
      out.content += r.decoded;
      out.consumed += r.consumed;
      out.ended = r.ended;
      chunk.remove_prefix(r.consumed);
      pos += r.consumed;
    }
  }
  if (d.rejection()) out.rejection = render_reply(*d.rejection(), true);
  return out;
}

TEST_CASE("the message ends at CRLF.CRLF; the CRLF before it belongs to the content") {
  decoded d = decode("Subject: x\r\n\r\nhello\r\n.\r\n");
  CHECK(d.ended);
  CHECK(d.content == "Subject: x\r\n\r\nhello\r\n");
  CHECK(d.rejection.empty());

  d = decode(".\r\n");  // the CRLF of the DATA command starts the first line
  CHECK(d.ended);
  CHECK(d.content.empty());

  d = decode("a\r\n.\r\nQUIT\r\n");
  CHECK(d.ended);
  CHECK(d.consumed == 6);  // what follows is the next command, left to the caller

  d = decode("hello\r\n.");
  CHECK_FALSE(d.ended);
  CHECK(d.content == "hello\r\n");  // the dot waits for the next octet
  d = decode("hello\r\n.\r");
  CHECK_FALSE(d.ended);
}

TEST_CASE("dot-stuffing is removed at line starts only") {
  decoded d = decode("..a\r\n..\r\n.b\r\n...\r\na.\r\na..b\r\n.\r\n");
  CHECK(d.ended);
  CHECK(d.content == ".a\r\n.\r\nb\r\n..\r\na.\r\na..b\r\n");
  CHECK(d.rejection.empty());
}

TEST_CASE("any chunking gives the same result") {
  const std::string input = "From: a@example.com\r\n\r\n..x\r\nline\r\n\r\n.\r\n";
  decoded whole = decode(input);
  for (std::size_t piece = 1; piece <= input.size(); ++piece) {
    CAPTURE(piece);
    decoded d = decode(input, bare_newline_mode::reject, 1'000'000, piece);
    CHECK(d.content == whole.content);
    CHECK(d.consumed == input.size());
    CHECK(d.ended);
  }
}

TEST_CASE("large input is taken in bounded pieces") {
  std::string input;
  for (int i = 0; i < 5000; ++i) input += std::string(100, 'a' + i % 26) + "\r\n";
  input += ".\r\n";
  data_decoder d(1'000'000, bare_newline_mode::reject);
  std::string content;
  std::size_t pos = 0;
  bool ended = false;
  int calls = 0;
  while (!ended) {
    auto r = d.put(std::string_view(input).substr(pos));
    CHECK(r.consumed <= data_decoder::max_input_per_put);
    pos += r.consumed;
    content += r.decoded;
    ended = r.ended;
    ++calls;
  }
  CHECK(calls > 1);
  CHECK(pos == input.size());
  CHECK(content == input.substr(0, input.size() - 3));
  CHECK(d.message_bytes() == content.size());
}

TEST_CASE("messages marked bad: the first reason wins, consumption goes on to the real end") {
  struct row {
    std::string input;
    bare_newline_mode mode;
    std::string rejection;
  };
  const std::string bare = "554 5.6.0 Message rejected: bare CR or LF in the message; lines must end with CRLF\r\n";
  const std::string nul = "554 5.6.0 Message rejected: NUL octet in the message\r\n";
  const std::string long_line = "554 5.6.0 Message rejected: a line is longer than 1000 octets\r\n";
  const row rows[] = {
      {"a\nb\r\n.\r\n", bare_newline_mode::reject, bare},
      {"a\rb\r\n.\r\n", bare_newline_mode::reject, bare},
      {"a\r\r\n.\r\n", bare_newline_mode::reject, bare},
      {"a\n\r\n.\r\n", bare_newline_mode::reject, bare},
      {std::string("a\0b\r\n.\r\n", 8), bare_newline_mode::reject, nul},
      {std::string("a\0b\r\n.\r\n", 8), bare_newline_mode::normalize, nul},
      {std::string(999, 'x') + "\r\n.\r\n", bare_newline_mode::reject, long_line},
      {".." + std::string(997, 'x') + "\r\n.\r\n", bare_newline_mode::reject, long_line},
      {"a\nb" + std::string(1200, 'x') + "\r\n.\r\n", bare_newline_mode::reject, bare},
      // normalize: a lone "." line that is not the terminator is refused.
      {"x\n.\r\nmore\r\n.\r\n", bare_newline_mode::normalize, bare},
      {"x\r\n.\nmore\r\n.\r\n", bare_newline_mode::normalize, bare},
      {"x\r\n.\rmore\r\n.\r\n", bare_newline_mode::normalize, bare},
  };
  for (const auto& r : rows) {
    CAPTURE(r.input.substr(0, 40));
    decoded d = decode(r.input, r.mode);
    CHECK(d.ended);
    CHECK(d.consumed == r.input.size());
    CHECK(d.rejection == r.rejection);
  }
}

TEST_CASE("text lines of up to 1000 octets with CRLF pass") {
  CHECK(decode(std::string(998, 'x') + "\r\n.\r\n").rejection.empty());
  CHECK(decode(".." + std::string(996, 'x') + "\r\n.\r\n").rejection.empty());
  CHECK(decode(std::string(998, 'x') + "\r\n" + std::string(998, 'y') + "\r\n.\r\n").rejection.empty());
}

TEST_CASE("size over max_message_bytes: 552, counted but not stored, consumed to the end") {
  CHECK(decode("0123456789\r\n.\r\n", bare_newline_mode::reject, 12).rejection.empty());
  decoded d = decode("0123456789\r\n.\r\n", bare_newline_mode::reject, 11);
  CHECK(d.rejection == "552 5.3.4 Message is too long.\r\n");
  CHECK(d.content.size() <= 11);

  std::string big;
  for (int i = 0; i < 2000; ++i) big += std::string(500, 'z') + "\r\n";
  d = decode(big + ".\r\nQUIT\r\n", bare_newline_mode::reject, 1000);
  CHECK(d.ended);
  CHECK(d.consumed == big.size() + 3);
  CHECK(d.rejection == "552 5.3.4 Message is too long.\r\n");
  CHECK(d.content.size() <= 1000);
}

TEST_CASE("normalize turns each bare CR or LF into CRLF, never a CRLF split across chunks") {
  struct row {
    std::string input, content;
  };
  const row rows[] = {
      {"a\nb\rc\r\n.\r\n", "a\r\nb\r\nc\r\n"},
      {"a\r\r\n.\r\n", "a\r\n\r\n"},
      {"a\n\nb\r\n.\r\n", "a\r\n\r\nb\r\n"},
      {"\n..\r\n.\r\n", "\r\n.\r\n"},            // a stuffed dot after a bare LF
      {"x\n..\n\r\n.\r\n", "x\r\n.\r\n\r\n"},    // the "." line came from ".."
      {"a\r\nb\r\n.\r\n", "a\r\nb\r\n"},
      {"a\n.x\r\n.\r\n", "a\r\nx\r\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.input);
    for (std::size_t piece = 1; piece <= r.input.size(); ++piece) {
      CAPTURE(piece);
      decoded d = decode(r.input, bare_newline_mode::normalize, 1'000'000, piece);
      CHECK(d.rejection.empty());
      CHECK(d.ended);
      CHECK(d.content == r.content);
    }
  }
}

TEST_CASE("put after the end consumes nothing") {
  data_decoder d(100, bare_newline_mode::reject);
  CHECK(d.put(".\r\n").ended);
  auto r = d.put("MAIL FROM:<x@evil.example>\r\n");
  CHECK(r.ended);
  CHECK(r.consumed == 0);
  CHECK(r.decoded.empty());
}

}  // namespace
}  // namespace mfrelay::relay::smtp
