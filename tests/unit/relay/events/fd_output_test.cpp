// The descriptor output (standard output): whole lines to a pipe; a reader that
// went away costs events and one report, not the process (no SIGPIPE); the
// output works again, and says so, once the descriptor does.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <string_view>

#include <string>
#include <vector>

#include "support/log_capture.hpp"
#include "relay/events/fd_output.hpp"

namespace mfrelay::relay {
namespace {

struct pipe_pair {
  int read = -1, write = -1;
  pipe_pair() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read = fds[0];
    write = fds[1];
  }
  ~pipe_pair() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
  std::string drain() const {
    std::string out(4096, '\0');
    ssize_t n = ::read(read, out.data(), out.size());
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
  }
};

TEST_CASE("fd output: one line per event") {
  pipe_pair p;
  fd_output out(p.write, "test pipe");
  out.write(R"({"eventType":"Send"})", "Send");
  out.write(R"({"eventType":"Delivery"})", "Delivery");
  CHECK(p.drain() == "{\"eventType\":\"Send\"}\n{\"eventType\":\"Delivery\"}\n");
}

TEST_CASE("fd output: write_all sends every line in order, past one writev's worth too") {
  pipe_pair p;
  fd_output out(p.write, "test pipe");
  std::vector<std::string> json;
  for (int i = 0; i < 600; ++i) json.push_back(R"({"n":)" + std::to_string(i) + "}");
  std::vector<event_line> lines;
  for (const auto& j : json) lines.push_back({j, ""});
  out.write_all(lines);
  std::string expected;
  for (const auto& j : json) expected += j + "\n";
  std::string got;
  for (int reads = 0; reads < 100 && got.size() < expected.size(); ++reads) got += p.drain();
  CHECK(got == expected);
}

// A SOCK_SEQPACKET socket keeps each writev as one packet: what a pipe keeps whole.
TEST_CASE("fd output: each write to a pipe or socket is whole lines of at most PIPE_BUF bytes") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0);
  std::vector<std::string> json;
  for (int i = 0; i < 40; ++i) json.push_back(R"({"n":")" + std::string(900, 'a' + i % 26) + "\"}");
  json.insert(json.begin() + 7, R"({"long":")" + std::string(3 * PIPE_BUF, 'z') + "\"}");
  std::vector<event_line> lines;
  for (const auto& j : json) lines.push_back({j, ""});
  {
    fd_output out(fds[1], "test socket");
    out.write_all(lines);
  }
  ::shutdown(fds[1], SHUT_WR);
  std::string got;
  std::size_t packets = 0;
  std::string packet(4 * PIPE_BUF, '\0');
  for (ssize_t n; packets < 100 && (n = ::recv(fds[0], packet.data(), packet.size(), 0)) > 0; ++packets) {
    std::string_view p(packet.data(), static_cast<std::size_t>(n));
    CHECK(p.back() == '\n');  // whole lines only
    if (p.find("\"long\"") == std::string_view::npos) CHECK(p.size() <= PIPE_BUF);
    else CHECK(std::count(p.begin(), p.end(), '\n') == 1);  // the long line alone
    got += p;
  }
  ::close(fds[0]);
  ::close(fds[1]);
  std::string expected;
  for (const auto& j : json) expected += j + "\n";
  CHECK(got == expected);
  CHECK(packets >= 10);  // 36 KiB of short lines: at least 9 writes of 4 KiB, and the long one
}

TEST_CASE("fd output: a closed pipe loses events without SIGPIPE, reports once, and recovers") {
  test::log_capture log;
  pipe_pair p;
  fd_output out(p.write, "test pipe");
  ::close(p.read);
  p.read = -1;
  for (int i = 0; i < 3; ++i) out.write(R"({"eventType":"Send"})", "Send");  // would kill the test on SIGPIPE
  CHECK(log.count("event output test pipe: write: Broken pipe") == 1);

  pipe_pair fresh;
  REQUIRE(::dup2(fresh.write, p.write) == p.write);  // the same descriptor number works again
  out.write(R"({"eventType":"Delivery"})", "Delivery");
  CHECK(fresh.drain() == "{\"eventType\":\"Delivery\"}\n");
  CHECK(log.count("event output test pipe works again (3 failures meanwhile)") == 1);
}

}  // namespace
}  // namespace mfrelay::relay
