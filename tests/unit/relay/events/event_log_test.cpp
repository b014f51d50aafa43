// event_log over its outputs: the file-only constructor existing callers use,
// [events] file = "-" (standard output), "" (no file), reopen() reaching the
// file, and write() that neither throws nor stops at a failing output.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <string>

#include "relay/events/event_log.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay {
namespace {

namespace fs = std::filesystem;

const boost::json::object sample{{"eventType", "Send"}, {"send", boost::json::object{}}};

// Points descriptor 1 at a pipe for the life of the object.
class stdout_capture {
 public:
  stdout_capture() {
    std::fflush(stdout);
    saved_ = ::dup(STDOUT_FILENO);
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read_ = fds[0];
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[1]);
  }
  ~stdout_capture() {
    restore();
    ::close(read_);
  }
  std::string take() {
    restore();
    std::string out(4096, '\0');
    ssize_t n = ::read(read_, out.data(), out.size());
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
    saved_ = -1;
  }
  int saved_ = -1, read_ = -1;
};

TEST_CASE("event_log: the path constructor writes JSON lines to the file") {
  test::temp_dir dir;
  event_log log(dir.file("events.jsonl"));
  CHECK(log.path() == dir.file("events.jsonl"));
  log.write(sample);
  auto lines = test::lines_of(dir.path() / "events.jsonl");
  REQUIRE(lines.size() == 1);
  CHECK(boost::json::parse(lines[0]) == sample);
}

TEST_CASE("event_log: file \"-\" is standard output") {
  stdout_capture capture;
  {
    policy::events_settings s;
    s.file = "-";
    event_log log(s);
    log.write(sample);
    log.reopen();  // nothing to reopen; harmless
  }
  CHECK(capture.take() == "{\"eventType\":\"Send\",\"send\":{}}\n");
}

TEST_CASE("event_log: reopen() and size rotation come from [events]") {
  test::temp_dir dir;
  policy::events_settings s;
  s.file = dir.file("events.jsonl");
  s.max_file_bytes = 64;
  s.keep_files = 2;
  event_log log(s);
  for (int i = 0; i < 10; ++i) log.write(sample);  // 30 bytes a line: two per file
  CHECK(test::lines_of(s.file).size() == 2);
  CHECK(test::lines_of(s.file + ".1").size() == 2);
  CHECK(test::lines_of(s.file + ".2").size() == 2);
  CHECK_FALSE(fs::exists(s.file + ".3"));

  fs::rename(s.file, dir.file("moved"));
  log.reopen();
  log.write(sample);
  CHECK(test::lines_of(s.file).size() == 1);
}

TEST_CASE("event_log: no file and no syslog writes nowhere, without complaint") {
  policy::events_settings s;
  s.file = "";
  event_log log(s);
  CHECK(log.path().empty());
  log.write(sample);
}

TEST_CASE("event_log: a malformed syslog setting is refused at construction") {
  policy::events_settings s;
  s.file = "";
  s.syslog = "tcp:127.0.0.1:514";
  CHECK_THROWS_AS(event_log{s}, std::invalid_argument);
}

}  // namespace
}  // namespace mfrelay::relay
