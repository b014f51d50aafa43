// Owns one POSIX file descriptor and closes it once, on destruction or reset().
// Any thread; a unique_fd is not shared (move it to hand it over). No input.
#pragma once
#include <unistd.h>

#include <utility>

namespace mfrelay::relay {

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

  // The close() result is ignored on purpose: every file whose contents matter
  // was fsynced first, and that is where write-back errors are reported.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace mfrelay::relay
