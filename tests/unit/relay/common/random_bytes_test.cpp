// fill_random: small requests come from a per-thread block drawn in one call.
// Every request gets fresh bytes (never bytes already handed out, never the
// wiped remains of the block), across refills, at every size and on every
// thread.
#include "relay/common/random_bytes.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace mfrelay::relay {
namespace {

std::string draw(std::size_t size) {
  std::string out(size, '\0');
  fill_random(reinterpret_cast<std::uint8_t*>(out.data()), size);
  return out;
}

// 13 does not divide the block: draws straddle every refill.
TEST_CASE("successive draws never repeat, across many refills of the block") {
  for (std::size_t size : {1u, 8u, 13u, 16u, 64u, 65u, 300u}) {
    CAPTURE(size);
    const std::size_t draws = size < 8 ? 200 : 2000;  // 1-byte draws do repeat by chance
    std::set<std::string> seen;
    std::size_t zero_runs = 0;
    for (std::size_t i = 0; i < draws; ++i) {
      std::string b = draw(size);
      if (size >= 8 && std::all_of(b.begin(), b.end(), [](char c) { return c == 0; })) ++zero_runs;
      seen.insert(std::move(b));
    }
    if (size >= 8) {
      CHECK(seen.size() == draws);
      CHECK(zero_runs == 0);  // a wiped, not refilled, block would give zeros
    }
  }
}

TEST_CASE("the bytes are spread evenly, not stuck") {
  // 64 KiB in 16-byte draws: each byte value about 256 times; a byte value never
  // seen, or seen 4x too often, means the draws are not random.
  std::vector<int> count(256);
  for (int i = 0; i < 4096; ++i)
    for (unsigned char c : draw(16)) ++count[c];
  CHECK(*std::min_element(count.begin(), count.end()) > 64);
  CHECK(*std::max_element(count.begin(), count.end()) < 1024);
}

TEST_CASE("threads draw different bytes") {
  std::vector<std::string> a, b;
  std::thread t1([&] {
    for (int i = 0; i < 1000; ++i) a.push_back(draw(16));
  });
  std::thread t2([&] {
    for (int i = 0; i < 1000; ++i) b.push_back(draw(16));
  });
  t1.join();
  t2.join();
  std::set<std::string> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  CHECK(all.size() == 2000);
}

TEST_CASE("random_hex and random_bytes have the sizes they say") {
  std::string hex = random_hex(8);
  CHECK(hex.size() == 16);
  CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(random_bytes<32>() != random_bytes<32>());
  CHECK(random_string(100).size() == 100);
}

}  // namespace
}  // namespace mfrelay::relay
