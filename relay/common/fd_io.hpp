// File descriptor I/O that reports the errno instead of throwing, so each
// caller can map it to its own error (the spool to 452/451, the policy writer
// to an API error): whole reads and writes at an offset, EINTR retried, and
// the fsync of a directory. Blocking: worker threads only. No input parsing.
#pragma once
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace mfrelay::relay {

// 0, or the errno of `call` (which returns 0 or -1 like a system call), EINTR retried.
template <class Call>
int retry_eintr(Call call) {
  for (;;) {
    if (call() == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

// Exactly `size` bytes at `offset`: 0, the errno, or -1 when the file ended first.
int read_at(int fd, char* out, std::size_t size, std::uint64_t offset);

// Every byte of `iov` at `offset`: 0 or the errno (EIO for a write that makes no progress).
int pwritev_all(int fd, std::vector<iovec> iov, std::uint64_t offset);
int pwrite_all(int fd, std::string_view bytes, std::uint64_t offset);

// fsync() of a directory, so the names created or renamed in it are durable: 0 or the errno.
int sync_directory(const std::filesystem::path& dir);

}  // namespace mfrelay::relay
