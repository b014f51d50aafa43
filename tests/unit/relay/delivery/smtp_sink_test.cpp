// The delivery queue against a real upstream: Postfix's smtp-sink, dumping each
// transaction to a file (X-Mail-Args / X-Rcpt-Args show the envelope, then the
// message as received, un-dot-stuffed, lines ending in LF). Skipped when
// /usr/sbin/smtp-sink is not installed. smtp-sink is stopped at the end.
#include <doctest/doctest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>

#include "queue_fixture.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

namespace mfrelay::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* sink_path = "/usr/sbin/smtp-sink";

// smtp-sink as a child process: started in the constructor, SIGTERM'd and reaped
// in the destructor, whatever the test did in between.
class smtp_sink_process {
 public:
  smtp_sink_process(const fs::path& dump_dir, std::uint16_t port) {
    std::vector<std::string> args{sink_path};
    if (::geteuid() == 0) {  // smtp-sink refuses to run as root without -u
      args.push_back("-u");
      args.push_back("nobody");
    }
    args.push_back("-d");
    args.push_back((dump_dir / "%M.").string());
    args.push_back("127.0.0.1:" + std::to_string(port));
    args.push_back("10");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, sink_path, nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~smtp_sink_process() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

bool accepts_connections(std::uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

std::string lf_lines(std::string_view crlf) {
  std::string out;
  for (std::size_t i = 0; i < crlf.size(); ++i) {
    if (crlf[i] == '\r' && i + 1 < crlf.size() && crlf[i + 1] == '\n') continue;
    out += crlf[i];
  }
  return out;
}

TEST_CASE("delivery_queue against smtp-sink: the upstream sees the return path, the recipients and the body") {
  if (::access(sink_path, X_OK) != 0) {
    MESSAGE("smtp-sink is not installed: skipped");
    return;
  }
  temp_dir dir;
  fs::permissions(dir.path(), fs::perms::all);  // smtp-sink writes as nobody when we are root

  queue_fixture f;
  std::uint16_t port = closed_port_for_queue(f.io);
  {
    smtp_sink_process sink(dir.path(), port);
    REQUIRE(sink.started());
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!accepts_connections(port) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    REQUIRE(accepts_connections(port));

    // Dots at line starts (one alone on a line), 8-bit text, an empty line, a long line.
    std::string content =
        "From: app@example.com\r\nTo: a@example.net\r\nSubject: caf\xc3\xa9\r\n\r\n"
        ".\r\n..two dots\r\n.one dot\r\nnot.at.start\r\n\r\n" +
        std::string(900, 'x') + "\r\nlast line\r\n";
    envelope env = f.commit({"a@example.net", "b@example.net"}, content);
    auto settings = f.settings();
    settings.delivery.smarthost.port = port;
    f.start(settings);
    REQUIRE(f.wait_for(1));
    REQUIRE(f.observer.types() == std::vector<std::string>{"Delivery"});
    CHECK(f.observer.events[0].recipients.size() == 2);
    CHECK(f.observer.events[0].recipients[0].verdict.reply == "250 2.0.0 Ok");
    f.stop();

    // The dump file is complete once its body is.
    std::string expected_body = lf_lines(content) + "\n";  // smtp-sink ends each dump with an empty line
    std::string dump;
    deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(dir.path())) files.push_back(entry.path());
      if (files.size() == 1) {
        dump = read_file(files[0]);
        if (dump.ends_with(expected_body)) break;
      }
      std::this_thread::sleep_for(20ms);
    }
    CHECK(dump.find("X-Helo-Args: relay.test\n") != std::string::npos);
    CHECK(dump.find("X-Mail-Args: <" + env.return_path + "> BODY=8BITMIME\n") != std::string::npos);
    CHECK(dump.find("X-Rcpt-Args: <a@example.net>\nX-Rcpt-Args: <b@example.net>\n") != std::string::npos);
    // The body follows smtp-sink's three-line Received header, byte for byte (LF for CRLF).
    auto received_at = dump.find("Received: ");
    REQUIRE(received_at != std::string::npos);
    std::size_t body_at = received_at;
    for (int i = 0; i < 3; ++i) body_at = dump.find('\n', body_at) + 1;
    CHECK(dump.substr(body_at) == expected_body);
    CHECK(f.spool.depth() == 0);
  }
}

}  // namespace
}  // namespace mfrelay::relay
