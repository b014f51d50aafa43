// SMTP smuggling (CVE-2023-51764 and kin) at the decoder: no sequence but
// CRLF.CRLF ends a message, in both bare-newline modes, however the input is
// split into two chunks; the decoded output never holds a bare CR or LF
// (normalize) nor a lone "." line that did not come from "..".
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "relay/smtp/data_decoder.hpp"
#include "relay/smtp/reply_renderer.hpp"
#include "smuggling_cases.hpp"

namespace mfrelay::relay::smtp {
namespace {

using policy::bare_newline_mode;

bool has_bare_cr_or_lf(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) return true;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  }
  return false;
}

bool has_lone_dot_line(const std::string& s) {
  return s.rfind(".\r\n", 0) == 0 || s.find("\r\n.\r\n") != std::string::npos || s == "." ||
         (s.size() >= 3 && s.compare(s.size() - 3, 3, "\r\n.") == 0);
}

TEST_CASE("smuggling sequences never end the message, for every two-chunk split") {
  for (bare_newline_mode mode : {bare_newline_mode::reject, bare_newline_mode::normalize}) {
    for (const test::smuggling_case& c : test::smuggling_cases()) {
      const std::string input = c.content() + test::trailer;
      const std::size_t real_end = input.size() - test::trailer.size();
      CAPTURE(c.name);
      CAPTURE(mode == bare_newline_mode::reject ? "reject" : "normalize");
      std::string first_content;
      for (std::size_t split = 0; split <= input.size(); ++split) {
        CAPTURE(split);
        data_decoder d(1'000'000, mode);
        std::string content;
        std::size_t consumed = 0;
        int ends = 0;
        for (std::string_view chunk : {std::string_view(input).substr(0, split), std::string_view(input).substr(split)}) {
          while (!chunk.empty() && ends == 0) {
            auto r = d.put(chunk);
            content += r.decoded;
            consumed += r.consumed;
            chunk.remove_prefix(r.consumed);
            if (r.ended) ++ends;
            REQUIRE((r.consumed > 0 || r.ended));
          }
        }
        CHECK(ends == 1);
        CHECK(consumed == real_end);  // the trailer was left for the command phase
        REQUIRE(d.rejection());
        CHECK(render_reply(*d.rejection(), true) == c.rejection);
        CHECK(content.find("MAIL FROM") == std::string::npos);  // nothing emitted once bad
        CHECK_FALSE(has_lone_dot_line(content));
        if (mode == bare_newline_mode::normalize) CHECK_FALSE(has_bare_cr_or_lf(content));
        if (split == 0) first_content = content;
        CHECK(content == first_content);
      }
    }
  }
}

TEST_CASE("a clean message with stuffed dots decodes the same for every split") {
  const std::string input = "From: a@example.com\r\n\r\n..\r\n..x\r\nbody\r\n.\r\n";
  for (bare_newline_mode mode : {bare_newline_mode::reject, bare_newline_mode::normalize}) {
    for (std::size_t split = 0; split <= input.size(); ++split) {
      CAPTURE(split);
      data_decoder d(1'000'000, mode);
      std::string content;
      auto r1 = d.put(std::string_view(input).substr(0, split));
      content += r1.decoded;
      if (!r1.ended) {
        auto r2 = d.put(std::string_view(input).substr(split));
        content += r2.decoded;
        CHECK(r2.ended);
      }
      CHECK_FALSE(d.rejection());
      CHECK(content == "From: a@example.com\r\n\r\n.\r\n.x\r\nbody\r\n");
      CHECK_FALSE(has_bare_cr_or_lf(content));
    }
  }
}

}  // namespace
}  // namespace mfrelay::relay::smtp
