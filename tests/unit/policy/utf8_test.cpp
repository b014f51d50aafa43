// Well-formed UTF-8, the one decoder every layer uses (identity names, SMTPUTF8
// addresses, admin API parameters): RFC 3629's table, including what it refuses.
#include "policy/utf8.hpp"

#include <doctest/doctest.h>

#include <string>

namespace mfrelay::policy {
namespace {

TEST_CASE("code points of each length, and the position after them") {
  const std::string text = "a\xC3\xA9\xE2\x80\xAE\xF0\x9F\x98\x80";  // a, é, U+202E, U+1F600
  std::size_t i = 0;
  CHECK(next_code_point(text, i) == U'a');
  CHECK(i == 1);
  CHECK(next_code_point(text, i) == U'\u00e9');
  CHECK(i == 3);
  CHECK(next_code_point(text, i) == U'\u202e');
  CHECK(i == 6);
  CHECK(next_code_point(text, i) == U'\U0001f600');
  CHECK(i == 10);
  CHECK(is_utf8(text));
  CHECK(is_utf8(""));
}

TEST_CASE("what is not UTF-8 is refused, and the position stays") {
  for (const std::string& bad : {
           std::string("\xFF"),              // never a UTF-8 octet
           std::string("\x80"),              // a continuation alone
           std::string("\xC0\xAF"),          // overlong '/'
           std::string("\xE0\x80\xAF"),      // overlong, three octets
           std::string("\xED\xA0\x80"),      // a surrogate (U+D800)
           std::string("\xF4\x90\x80\x80"),  // past U+10FFFF
           std::string("\xC3"),              // cut short
           std::string("\xE2\x80"),          // cut short
           std::string("\xC3\x28"),          // a continuation that is not one
       }) {
    CAPTURE(bad);
    std::size_t i = 0;
    CHECK_FALSE(next_code_point(bad, i));
    CHECK(i == 0);
    CHECK_FALSE(is_utf8("ok" + bad));
  }
}

}  // namespace
}  // namespace mfrelay::policy
