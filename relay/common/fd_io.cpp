#include "relay/common/fd_io.hpp"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>

#include "relay/common/unique_fd.hpp"

namespace mfrelay::relay {

int read_at(int fd, char* out, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return -1;
    out += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return 0;
}

int pwritev_all(int fd, std::vector<iovec> iov, std::uint64_t offset) {
  std::size_t first = 0;
  for (;;) {
    while (first < iov.size() && iov[first].iov_len == 0) ++first;  // nothing to write there (an empty file)
    if (first == iov.size()) break;
    int count = static_cast<int>(std::min<std::size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = ::pwritev(fd, iov.data() + first, count, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    offset += static_cast<std::uint64_t>(n);
    auto left = static_cast<std::size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return 0;
}

int pwrite_all(int fd, std::string_view bytes, std::uint64_t offset) {
  iovec v{const_cast<char*>(bytes.data()), bytes.size()};
  return pwritev_all(fd, {v}, offset);
}

int sync_directory(const std::filesystem::path& dir) {
  unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return errno;
  return retry_eintr([&] { return ::fsync(fd.get()); });
}

}  // namespace mfrelay::relay
