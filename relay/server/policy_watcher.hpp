// Re-reads policy.d when its files change (DESIGN.md: "re-read on SIGHUP, on
// change, and when the admin API writes it"): inotify on the folder, *.toml
// names only, changes gathered for a short quiet period so an editor's burst
// of writes is one reload. Runs on the daemon's io_context.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
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
  bool start();
  void stop();

 private:
  void wait();
  void read_events();

  std::string directory_;
  std::function<void()> on_change_;
  std::chrono::milliseconds quiet_;
  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer settle_;
  bool pending_ = false;
};

}  // namespace mfrelay::relay
