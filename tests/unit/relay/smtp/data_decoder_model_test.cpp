// The decoder against a reference model on many random inputs made of the
// octets that matter (CR, LF, ".", NUL, a letter, CRLF.CRLF), cut into random chunks:
// the end is exactly the first CRLF.CRLF (counting the CRLF before DATA), and
// the content and verdict match a plain line-by-line reading. Fixed seed.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "relay/smtp/data_decoder.hpp"

namespace mfrelay::relay::smtp {
namespace {

using policy::bare_newline_mode;

struct model_result {
  bool ended = false;
  std::size_t consumed = 0;
  bool rejected = false;
  std::string content;
};

// Lines split at CRLF, or (normalize) at a bare CR or LF too; a leading dot
// dropped; in reject mode any bare CR or LF refuses, in normalize mode a line
// that is exactly "." (it cannot be the terminator) refuses; NUL always refuses.
model_result model(const std::string& input, bare_newline_mode mode) {
  model_result m;
  const std::string framed = "\r\n" + input;
  std::size_t at = framed.find("\r\n.\r\n");
  if (at == std::string::npos) return m;
  m.ended = true;
  m.consumed = at + 3;
  const std::string content = input.substr(0, at);
  std::vector<std::string> lines;
  std::string line;
  for (std::size_t i = 0; i < content.size(); ++i) {
    char c = content[i];
    if (c == '\0') m.rejected = true;
    if (c == '\r' && i + 1 < content.size() && content[i + 1] == '\n') {
      lines.push_back(line);
      line.clear();
      ++i;
    } else if (c == '\r' || c == '\n') {
      if (mode == bare_newline_mode::reject) m.rejected = true;
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  for (const std::string& l : lines) {
    if (l == ".") m.rejected = true;
    m.content += (!l.empty() && l[0] == '.' ? l.substr(1) : l) + "\r\n";
  }
  return m;
}

TEST_CASE("the decoder agrees with the reference model on random inputs and chunkings") {
  std::mt19937 rng(20241126);
  const std::string tokens[] = {"\r", "\n", ".", std::string(1, '\0'), "a", "\r\n", "\r\n.\r\n"};
  std::uniform_int_distribution<int> pick(0, 6);
  std::uniform_int_distribution<int> length(0, 12);
  int ended_count = 0;
  int accepted_count = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    for (int n = length(rng); n > 0; --n) input += tokens[pick(rng)];
    for (bare_newline_mode mode : {bare_newline_mode::reject, bare_newline_mode::normalize}) {
      model_result expected = model(input, mode);
      data_decoder d(1'000'000, mode);
      std::string content;
      std::size_t consumed = 0;
      bool ended = false;
      while (consumed < input.size() && !ended) {
        std::uniform_int_distribution<std::size_t> piece(1, input.size() - consumed);
        auto r = d.put(std::string_view(input).substr(consumed, piece(rng)));
        content += r.decoded;
        consumed += r.consumed;
        ended = r.ended;
      }
      CAPTURE(input);
      CAPTURE(mode == bare_newline_mode::reject ? "reject" : "normalize");
      REQUIRE(ended == expected.ended);
      if (!ended) continue;
      ++ended_count;
      REQUIRE(consumed == expected.consumed);
      REQUIRE(d.rejection().has_value() == expected.rejected);
      if (!expected.rejected) {
        ++accepted_count;
        REQUIRE(content == expected.content);
      }
    }
  }
  // The generator must actually reach both outcomes for this test to mean anything.
  CHECK(ended_count > 10000);
  CHECK(accepted_count > 5000);
}

}  // namespace
}  // namespace mfrelay::relay::smtp
