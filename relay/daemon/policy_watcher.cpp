#include "relay/daemon/policy_watcher.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace mfrelay::relay {

policy_watcher::policy_watcher(boost::asio::io_context& io, std::string directory, std::function<void()> on_change,
                               std::chrono::milliseconds quiet)
    : directory_(std::move(directory)),
      on_change_(std::move(on_change)),
      quiet_(quiet),
      strand_(boost::asio::make_strand(io)),
      descriptor_(strand_),
      settle_(strand_) {}

policy_watcher::~policy_watcher() { close(); }

bool policy_watcher::start() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    spdlog::warn("cannot watch {} for changes ({}): reload with SIGHUP", directory_, std::strerror(errno));
    return false;
  }
  constexpr std::uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE;
  if (::inotify_add_watch(fd, directory_.c_str(), mask) < 0) {
    spdlog::warn("cannot watch {} for changes ({}): reload with SIGHUP", directory_, std::strerror(errno));
    ::close(fd);
    return false;
  }
  descriptor_.assign(fd);
  wait();
  return true;
}

void policy_watcher::stop() {
  boost::asio::post(strand_, [this] { close(); });
}

void policy_watcher::close() {
  boost::system::error_code ignored;
  settle_.cancel();
  descriptor_.close(ignored);
}

void policy_watcher::wait() {
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
    if (ec) return;  // closed by stop()
    read_events();
    wait();
  });
}

void policy_watcher::read_events() {
  alignas(inotify_event) std::array<char, 4096> buffer;
  bool relevant = false;
  for (;;) {
    ssize_t n = ::read(descriptor_.native_handle(), buffer.data(), buffer.size());
    if (n <= 0) break;
    for (char* p = buffer.data(); p < buffer.data() + n;) {
      auto* event = reinterpret_cast<inotify_event*>(p);
      std::string_view name = event->len ? std::string_view(event->name) : std::string_view();
      if (name.ends_with(".toml")) relevant = true;  // editors' swap and temporary files are not policy
      p += sizeof(inotify_event) + event->len;
    }
  }
  if (!relevant || pending_) return;
  pending_ = true;
  settle_.expires_after(quiet_);
  settle_.async_wait([this](boost::system::error_code ec) {
    pending_ = false;
    if (!ec) on_change_();
  });
}

}  // namespace mfrelay::relay
