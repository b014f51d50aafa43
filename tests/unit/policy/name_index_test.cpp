// The flat name index under identity_table and state_snapshot: every name
// inserted is found at its position, nothing else is, through growth, and the
// batched find_each agrees with find one by one.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policy/name_index.hpp"

namespace mfrelay::policy {
namespace {

std::string name_of(std::size_t i) { return "n" + std::to_string(i) + ".example.com"; }

TEST_CASE("name_index finds what was inserted, at its position, and nothing else") {
  name_index index;
  CHECK(index.find("example.com") == name_index::npos);  // empty

  constexpr std::size_t count = 5000;  // several doublings of the slot array
  for (std::size_t i = 0; i < count; ++i) index.insert(name_of(i), i);
  index.insert(std::string(300, 'x'), count);
  index.insert("", count + 1);

  for (std::size_t i = 0; i < count; ++i) CHECK(index.find(name_of(i)) == i);
  CHECK(index.find(std::string(300, 'x')) == count);
  CHECK(index.find("") == count + 1);
  CHECK(index.find(name_of(count)) == name_index::npos);
  CHECK(index.find("N0.example.com") == name_index::npos);  // case counts: callers normalize
  CHECK(index.find("n0.example.co") == name_index::npos);   // a prefix is another name
  CHECK(index.find(std::string(299, 'x')) == name_index::npos);
}

TEST_CASE("with_room: a copy finds what the original finds, takes more names, and leaves the original alone") {
  for (std::size_t held : {0u, 1u, 7u, 8u, 100u}) {  // empty, and just below and at a growth of the slots
    name_index original;
    for (std::size_t i = 0; i < held; ++i) original.insert(name_of(i), i);
    name_index copy = original.with_room(4);
    for (std::size_t i = 0; i < held; ++i) CHECK(copy.find(name_of(i)) == i);
    for (std::size_t i = held; i < held + 10; ++i) copy.insert(name_of(i), i);  // past the room, too
    for (std::size_t i = 0; i < held + 10; ++i) CHECK(copy.find(name_of(i)) == i);
    CHECK(original.find(name_of(held)) == name_index::npos);
    for (std::size_t i = 0; i < held; ++i) CHECK(original.find(name_of(i)) == i);
  }
}

TEST_CASE("find_each answers as find does, past its batch of 16 too") {
  name_index index;
  for (std::size_t i = 0; i < 100; i += 2) index.insert(name_of(i), i * 10);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < 20; ++i) names.push_back(name_of(i * 3));
  std::vector<std::string_view> views(names.begin(), names.end());
  std::vector<std::size_t> positions(views.size());
  std::vector<std::size_t> prefetched;
  index.find_each(views, positions, [&](std::size_t at) { prefetched.push_back(at); });
  for (std::size_t i = 0; i < views.size(); ++i) {
    CAPTURE(names[i]);
    CHECK(positions[i] == index.find(views[i]));
    CHECK(positions[i] == ((i * 3) % 2 == 0 ? i * 30 : name_index::npos));
  }
  CHECK_FALSE(prefetched.empty());
}

}  // namespace
}  // namespace mfrelay::policy
