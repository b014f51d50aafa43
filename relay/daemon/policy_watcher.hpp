// Re-reads policy.d when its files change (DESIGN.md: "re-read on SIGHUP, on
// change, and when the admin API writes it"): inotify on the folder, *.toml
// names only, changes gathered for a short quiet period so an editor's burst
// of writes is one reload. Runs on a strand of the daemon's io_context (which
// several threads run): its handlers never overlap, and stop() is posted there.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <string>

namespace mfrelay::relay {

class policy_watcher {
 public:
  // `on_change` runs on the io_context after a burst of changes has settled.
  policy_watcher(boost::asio::io_context& io, std::string directory, std::function<void()> on_change,
                 std::chrono::milliseconds quiet = std::chrono::milliseconds(300));
  ~policy_watcher();
  policy_watcher(const policy_watcher&) = delete;
  policy_watcher& operator=(const policy_watcher&) = delete;

  // False (with a warning logged) when inotify is unavailable: SIGHUP still works.
  // Call before the io_context runs.
  bool start();
  // From any thread while the io_context runs; the destructor closes at once.
  void stop();

 private:
  void close();
  void wait();
  void read_events();

  std::string directory_;
  std::function<void()> on_change_;
  std::chrono::milliseconds quiet_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer settle_;
  bool pending_ = false;
};

}  // namespace mfrelay::relay
