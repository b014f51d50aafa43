// The file output: one line per event with O_APPEND, reopen after logrotate
// renamed the file, rotation by size keeping N files (also under concurrent
// writers), and failures that are reported once instead of thrown.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/log_capture.hpp"
#include "relay/events/file_output.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay {
namespace {

namespace fs = std::filesystem;
using test::lines_of;

std::string numbered(int n) { return R"({"eventType":"Send","n":)" + std::to_string(n) + "}"; }

int number_of(const std::string& line) { return static_cast<int>(boost::json::parse(line).at("n").as_int64()); }

TEST_CASE("file output: appends one line per event after what the file held") {
  test::temp_dir dir;
  const std::string path = dir.file("log/events.jsonl");  // the folder is created
  fs::create_directories(dir.path() / "log");
  { std::ofstream(path) << "{\"old\":true}\n"; }
  file_output out({.path = path});
  out.write(numbered(1), "Send");
  out.write(numbered(2), "Send");
  auto lines = lines_of(path);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "{\"old\":true}");
  CHECK(lines[1] == numbered(1));
  CHECK(lines[2] == numbered(2));
}

TEST_CASE("file output: creates missing folders, and says so when it cannot open the file") {
  test::temp_dir dir;
  file_output created({.path = dir.file("a/b/events.jsonl")});
  created.write(numbered(1), "Send");
  CHECK(lines_of(dir.path() / "a/b/events.jsonl").size() == 1);

  { std::ofstream(dir.file("plain")) << "x"; }
  CHECK_THROWS_AS(file_output({.path = dir.file("plain/events.jsonl")}), std::exception);
}

TEST_CASE("file output: reopen() after logrotate renamed the file starts a new one") {
  test::temp_dir dir;
  const std::string path = dir.file("events.jsonl");
  file_output out({.path = path});
  out.write(numbered(1), "Send");
  fs::rename(path, path + ".1");  // logrotate (create mode), before its postrotate kill -USR1
  out.write(numbered(2), "Send");  // still the open file: nothing lost in between
  out.reopen();
  out.write(numbered(3), "Send");
  auto rotated = lines_of(path + ".1");
  REQUIRE(rotated.size() == 2);
  CHECK(number_of(rotated[0]) == 1);
  CHECK(number_of(rotated[1]) == 2);
  auto fresh = lines_of(path);
  REQUIRE(fresh.size() == 1);
  CHECK(number_of(fresh[0]) == 3);
}

TEST_CASE("file output: rotation by size keeps keep_files files, newest in .1") {
  test::temp_dir dir;
  const std::string path = dir.file("events.jsonl");
  const std::size_t line = numbered(10).size() + 1;  // every event below is this long
  file_output out({.path = path, .max_bytes = 3 * line, .keep_files = 3});
  for (int n = 10; n < 40; ++n) out.write(numbered(n), "Send");

  CHECK(fs::exists(path + ".1"));
  CHECK(fs::exists(path + ".2"));
  CHECK(fs::exists(path + ".3"));
  CHECK_FALSE(fs::exists(path + ".4"));
  // Oldest to newest: .3, .2, .1, the file; each holds at most 3 lines, contiguous.
  std::vector<int> seen;
  for (const char* suffix : {".3", ".2", ".1", ""}) {
    auto lines = lines_of(path + suffix);
    CHECK(fs::file_size(path + suffix) <= 3 * line);
    for (const auto& l : lines) seen.push_back(number_of(l));
  }
  REQUIRE(seen.size() == 12);
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == 28 + static_cast<int>(i));
}

TEST_CASE("file output: write_all appends many events at once, rotating between them where one would pass the size") {
  test::temp_dir dir;
  const std::string path = dir.file("events.jsonl");
  const std::size_t line = numbered(10).size() + 1;
  file_output out({.path = path, .max_bytes = 4 * line, .keep_files = 5});
  out.write(numbered(10), "Send");
  std::vector<std::string> json;
  for (int n = 11; n < 20; ++n) json.push_back(numbered(n));
  std::vector<event_line> lines;
  for (const auto& j : json) lines.push_back({j, "Send"});
  out.write_all(lines);

  // 10..19 in order over .2 (10-13), .1 (14-17) and the file (18, 19), none past 4 lines.
  std::vector<int> seen;
  for (const char* suffix : {".2", ".1", ""}) {
    CHECK(fs::file_size(path + suffix) <= 4 * line);
    for (const auto& l : lines_of(path + suffix)) seen.push_back(number_of(l));
  }
  CHECK_FALSE(fs::exists(path + ".3"));
  REQUIRE(seen.size() == 10);
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == 10 + static_cast<int>(i));
  CHECK(lines_of(path).size() == 2);
}

TEST_CASE("file output: keep_files = 0 drops the full file") {
  test::temp_dir dir;
  const std::string path = dir.file("events.jsonl");
  const std::size_t line = numbered(10).size() + 1;
  file_output out({.path = path, .max_bytes = 2 * line, .keep_files = 0});
  for (int n = 10; n < 15; ++n) out.write(numbered(n), "Send");
  CHECK_FALSE(fs::exists(path + ".1"));
  auto lines = lines_of(path);
  REQUIRE(lines.size() == 1);
  CHECK(number_of(lines[0]) == 14);
}

TEST_CASE("file output: concurrent writers while rotating lose, split and repeat no line") {
  test::temp_dir dir;
  const std::string path = dir.file("events.jsonl");
  constexpr int threads = 4, per_thread = 500;
  file_output out({.path = path, .max_bytes = 4096, .keep_files = 1000});  // enough files that none is deleted
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&out, t] {
      for (int i = 0; i < per_thread; ++i) out.write(numbered(t * per_thread + i), "Send");
    });
  }
  for (auto& w : writers) w.join();

  std::set<int> seen;
  std::size_t lines = 0, files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    ++files;
    CHECK(fs::file_size(entry.path()) <= 4096);
    for (const auto& l : lines_of(entry.path())) {
      ++lines;
      seen.insert(number_of(l));  // throws on a split or mixed line
    }
  }
  CHECK(files > 10);
  CHECK(lines == threads * per_thread);
  CHECK(seen.size() == threads * per_thread);
}

TEST_CASE("file output: a failing write loses the event, never throws, and is reported once") {
  test::log_capture log;
  file_output out({.path = "/dev/full"});  // every write: ENOSPC
  for (int n = 0; n < 5; ++n) out.write(numbered(n), "Send");
  CHECK(log.count("event output file /dev/full: write: No space left on device") == 1);
}

TEST_CASE("file output: a failed reopen keeps the open file, is reported once, and is retried") {
  test::log_capture log;
  test::temp_dir dir;
  const std::string path = dir.file("sub/events.jsonl");
  file_output out({.path = path, .retry_after = std::chrono::milliseconds(20)});
  fs::remove_all(dir.path() / "sub");  // the folder went away under us
  out.reopen();
  out.reopen();
  out.write(numbered(1), "Send");  // still goes to the (now unlinked) open file: not a write failure
  CHECK(log.count("reopen: No such file or directory; events still go to the file already open") == 1);
  CHECK(log.count("write") == 0);

  fs::create_directories(dir.path() / "sub");
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  out.write(numbered(2), "Send");  // retries the open first
  auto lines = lines_of(path);
  REQUIRE(lines.size() == 1);
  CHECK(number_of(lines[0]) == 2);
  CHECK(log.count("works again") == 1);
}

}  // namespace
}  // namespace mfrelay::relay
