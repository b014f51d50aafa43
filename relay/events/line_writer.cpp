#include "relay/events/line_writer.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
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

// Writes `parts` (`total` bytes) to the end, continuing short writes and EINTR.
line_writer::result write_parts(int fd, iovec* next, int count, std::size_t total, sigpipe_guard& guard) {
  line_writer::result r;
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
  return r;
}

}  // namespace

line_writer::result line_writer::write(int fd, std::span<const event_line> lines, bool may_raise_sigpipe) {
  static const char newline = '\n';
  constexpr std::size_t per_call = 256;  // two parts a line: well under IOV_MAX (1024)
  // A pipe keeps a write of up to PIPE_BUF bytes whole; another writer to the same
  // descriptor (the operational log on standard output) then lands between lines,
  // never inside one. A regular file is written under its owner's lock alone.
  const std::size_t byte_cap = may_raise_sigpipe ? PIPE_BUF : SIZE_MAX;
  result r;
  sigpipe_guard guard(may_raise_sigpipe);
  for (std::size_t at = 0; at < lines.size() && r.error == 0;) {
    iovec parts[1 + 2 * per_call];
    int count = 0;
    std::size_t total = broken_ ? 1 : 0;
    parts[count++] = {const_cast<char*>(&newline), total};
    // Whole lines up to the caps; a line longer than byte_cap goes alone.
    const std::size_t first = at;
    for (; at < lines.size() && at - first < per_call; ++at) {
      const std::string_view json = lines[at].json;
      if (at > first && total + json.size() + 1 > byte_cap) break;
      parts[count++] = {const_cast<char*>(json.data()), json.size()};
      parts[count++] = {const_cast<char*>(&newline), 1};
      total += json.size() + 1;
    }
    const result part = write_parts(fd, parts, count, total, guard);
    r.bytes += part.bytes;
    r.error = part.error;
    // Nothing written leaves the stream on a line boundary; anything less than all does not.
    if (part.error == 0) broken_ = false;
    else if (part.bytes > 0) broken_ = true;
  }
  return r;
}

}  // namespace mfrelay::relay
