#include "relay/events/line_writer.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace mfrelay::relay {
namespace {

// Blocks SIGPIPE on this thread while it writes, and swallows the one a closed
// pipe raises: standard output may be a pipe whose reader went away, and that
// must cost events, not the process. (The usual trick, as in libcurl or git.)
class sigpipe_guard {
 public:
  explicit sigpipe_guard(bool active) : active_(active) {
    if (!active_) return;
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~sigpipe_guard() {
    if (!active_) return;
    if (raised_ && !was_pending_) {
      timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

  void raised() { raised_ = true; }

 private:
  sigset_t pipe_{}, old_{};
  bool active_;
  bool was_pending_ = false;
  bool raised_ = false;
};

}  // namespace

void join_line(std::string& joined, std::string_view json) {
  if (!joined.empty()) joined += '\n';
  joined += json;
}

line_writer::result line_writer::write(int fd, std::string_view json, bool may_raise_sigpipe) {
  static const char newline = '\n';
  iovec parts[3] = {{const_cast<char*>(&newline), broken_ ? 1u : 0u},
                    {const_cast<char*>(json.data()), json.size()},
                    {const_cast<char*>(&newline), 1}};
  const std::size_t total = parts[0].iov_len + parts[1].iov_len + 1;
  result r;
  sigpipe_guard guard(may_raise_sigpipe);
  iovec* next = parts;
  int count = 3;
  while (r.bytes < total) {
    ssize_t n = ::writev(fd, next, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.error = errno;
      if (r.error == EPIPE) guard.raised();
      break;
    }
    if (n == 0) {
      r.error = EIO;
      break;
    }
    r.bytes += static_cast<std::size_t>(n);
    auto left = static_cast<std::size_t>(n);
    while (count > 0 && left >= next->iov_len) {
      left -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + left;
      next->iov_len -= left;
    }
  }
  // Nothing written leaves the stream on a line boundary; anything less than all does not.
  if (r.error == 0) broken_ = false;
  else if (r.bytes > 0) broken_ = true;
  return r;
}

}  // namespace mfrelay::relay
