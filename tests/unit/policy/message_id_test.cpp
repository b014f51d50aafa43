// Message ids in SES's shape (time-ordered hex, UUID-like random part,
// "-000000"), their use as an envelope sender, and the strict check that keeps
// them safe as spool file names.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>

#include "fixtures.hpp"
#include "policy/message_id.hpp"

namespace mfrelay::policy {
namespace {

using namespace std::chrono_literals;
using random_bits = std::array<std::uint8_t, 16>;

constexpr random_bits sample_random{0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x80,
                                    0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18};
const std::string sample_id = "010001931102a178-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718-000000";

TEST_CASE("make_message_id has SES's shape") {
  // 0x01931102a178 ms after the epoch (November 2024), as in the header's example.
  const timestamp when{duration{0x01931102a178}};
  CHECK(make_message_id(when, sample_random) == sample_id);
  CHECK(is_message_id(sample_id));

  const timestamp times[] = {timestamp{}, test::t0, timestamp{duration{0xffff'ffff'ffff}}};
  const random_bits randoms[] = {random_bits{}, sample_random, [] {
                                   random_bits all{};
                                   all.fill(0xff);
                                   return all;
                                 }()};
  for (auto t : times) {
    for (const auto& r : randoms) {
      std::string id = make_message_id(t, r);
      CAPTURE(id);
      CHECK(id.size() == 60);
      CHECK(id.starts_with("0100"));
      CHECK(id.ends_with("-000000"));
      CHECK(is_message_id(id));
    }
  }
}

TEST_CASE("ids made later sort later, whatever their random part") {
  // Descending random parts so only the time can put them in order.
  const timestamp times[] = {
      test::t0, test::t0 + 1ms, test::t0 + 15ms, test::t0 + 16ms, test::t0 + 255ms, test::t0 + 256ms,
      test::t0 + 1s, test::t0 + 72h, test::t0 + 24h * 365 * 10,
  };
  std::string previous;
  std::uint8_t fill = 0xff;
  for (auto t : times) {
    random_bits r{};
    r.fill(fill);
    fill = static_cast<std::uint8_t>(fill - 0x11);
    std::string id = make_message_id(t, r);
    CAPTURE(id);
    CAPTURE(previous);
    CHECK(previous < id);
    previous = id;
  }
}

TEST_CASE("distinct random input gives distinct ids at the same instant") {
  std::set<std::string> ids{make_message_id(test::t0, random_bits{})};
  for (std::size_t i = 0; i < 16; ++i) {
    for (std::uint8_t bit : {0x01, 0x80}) {
      random_bits r{};
      r[i] = bit;
      CHECK(ids.insert(make_message_id(test::t0, r)).second);
    }
  }
  CHECK(ids.size() == 33);
}

TEST_CASE("return_path is <id>@<domain>") {
  CHECK(return_path(sample_id, "us-west-2.amazonses.com") == sample_id + "@us-west-2.amazonses.com");
  CHECK(return_path(sample_id, "amazonses.com") == sample_id + "@amazonses.com");
  CHECK(return_path(sample_id, "mail.example.com") == sample_id + "@mail.example.com");
}

TEST_CASE("is_message_id refuses near misses") {
  std::string upper = sample_id;
  upper[5] = 'A';
  std::string dash_moved = sample_id;
  std::swap(dash_moved[16], dash_moved[17]);
  std::string slash = sample_id;
  slash[20] = '/';
  const std::string rows[] = {
      "",
      "../x",
      "../../../../etc/passwd",
      "../" + sample_id.substr(3),               // the right length, a path
      sample_id.substr(0, 59),                   // too short
      sample_id + "0",                           // too long
      "010001931102A178-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718-000000",  // uppercase hex
      upper,
      dash_moved,
      slash,
      "010001931102a178-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718-000001",  // wrong suffix
      "010001931102a178_1f2e3d4c_5b6a_7980_a1b2_c3d4e5f60718-000000",
      "010001931102a17g-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718-000000",  // not hex
      sample_id + "@amazonses.com",
      sample_id.substr(0, 59) + "\n",
  };
  for (const auto& text : rows) {
    CAPTURE(text);
    CHECK_FALSE(is_message_id(text));
  }
}

}  // namespace
}  // namespace mfrelay::policy
