// Durations in configuration ("72h", "5m", "1h30m", "250ms", "3d"): parsing,
// refusals, and the spelling format_duration gives back.
#include <doctest/doctest.h>

#include <string>

#include "policy/duration_text.hpp"

namespace mfrelay::policy {
namespace {

using namespace std::chrono_literals;

TEST_CASE("parse_duration reads units and sums them") {
  struct row {
    std::string text;
    duration expected;
  };
  const row rows[] = {
      {"72h", 72h},
      {"5m", 5min},
      {"30s", 30s},
      {"250ms", 250ms},
      {"1h30m", 90min},
      {"3d", 72h},
      {"0s", 0ms},
      {"1500ms", 1500ms},
      {"1d2h3m4s5ms", 24h + 2h + 3min + 4s + 5ms},
      {"120h", 120h},
      {"9223372036854775807ms", duration{INT64_MAX}},  // the largest value
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto parsed = parse_duration(r.text);
    REQUIRE(parsed);
    CHECK(parsed->count() == r.expected.count());
  }
}

TEST_CASE("parse_duration refuses malformed text and overflow") {
  const std::string rows[] = {
      "", "5", "-5s", "+5s", "5x", "h", "ms", "5M", "5H", "5 m", " 5m", "5m ", "1h30", "1h 30m", "5sec",
      "1.5h", "0x10s",
      "9223372036854775808ms",       // beyond int64
      "106751991168d",               // fits int64 as a number, overflows in milliseconds
      "9223372036854775807ms1ms",    // the sum overflows
      "99999999999999999999999h",
  };
  for (const auto& text : rows) {
    CAPTURE(text);
    CHECK_FALSE(parse_duration(text));
  }
}

TEST_CASE("format_duration spells a duration the way configuration writes it") {
  struct row {
    duration value;
    std::string text;
  };
  const row rows[] = {
      {0ms, "0s"},       {1ms, "1ms"},     {250ms, "250ms"},    {1500ms, "1s500ms"}, {5s, "5s"},
      {5min, "5m"},      {90min, "1h30m"}, {1h, "1h"},          {72h, "72h"},        {120h, "120h"},
      {72h + 1ms, "72h1ms"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    CHECK(format_duration(r.value) == r.text);
  }
}

TEST_CASE("format_duration and parse_duration round-trip") {
  const duration values[] = {0ms, 1ms, 999ms, 1s, 61s, 59min, 1h, 25h, 72h, 3h + 25min + 7s + 12ms, 1000h};
  for (auto value : values) {
    CAPTURE(value.count());
    auto back = parse_duration(format_duration(value));
    REQUIRE(back);
    CHECK(back->count() == value.count());
  }
}

}  // namespace
}  // namespace mfrelay::policy
