#include "relay/events/event_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace mfrelay::relay {

event_log::event_log(std::string path) : path_(std::move(path)) {
  std::lock_guard lock(mutex_);
  open_locked();
}

event_log::~event_log() {
  if (fd_ > STDERR_FILENO) ::close(fd_);
}

void event_log::open_locked() {
  if (path_ == "-") {
    fd_ = STDOUT_FILENO;
    return;
  }
  std::filesystem::path p(path_);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) throw std::runtime_error("cannot open event log " + path_ + ": " + std::strerror(errno));
  if (fd_ > STDERR_FILENO) ::close(fd_);
  fd_ = fd;
}

void event_log::reopen() {
  std::lock_guard lock(mutex_);
  open_locked();
}

void event_log::write(const boost::json::object& event) {
  std::string line = boost::json::serialize(event);
  line += '\n';
  std::lock_guard lock(mutex_);
  // O_APPEND: each line lands whole at the end even if another process appends too.
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full disk must not stop mail; the operational log says so
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace mfrelay::relay
