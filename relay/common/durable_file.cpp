#include "relay/common/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "relay/common/message_ids.hpp"
#include "relay/common/unique_fd.hpp"

namespace mfrelay::relay {
namespace {

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

void write_all(int fd, std::string_view text, const std::string& path) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, "write " + path);
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void sync_fd(int fd, const std::string& path) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) fail(errno, "fsync " + path);
  }
}

}  // namespace

void write_file_durably(const std::filesystem::path& path, std::string_view text) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const std::filesystem::path temp = dir / ("." + path.filename().string() + ".tmp-" + new_session_id());
  const std::string temp_name = temp.string();

  mode_t mode = 0644;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;

  unique_fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd) fail(errno, "create " + temp_name);
  try {
    if (::fchmod(fd.get(), mode) != 0) fail(errno, "chmod " + temp_name);  // umask may have narrowed it
    write_all(fd.get(), text, temp_name);
    sync_fd(fd.get(), temp_name);
    fd.reset();  // after the fsync, close() has no write-back error left to report
    if (::rename(temp.c_str(), path.c_str()) != 0) fail(errno, "rename " + temp_name + " to " + path.string());
  } catch (...) {
    fd.reset();
    ::unlink(temp.c_str());
    throw;
  }
  unique_fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) fail(errno, "open " + dir.string());
  sync_fd(dir_fd.get(), dir.string());
}

}  // namespace mfrelay::relay
