#include "relay/common/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "relay/common/fd_io.hpp"
#include "relay/common/message_ids.hpp"
#include "relay/common/unique_fd.hpp"

namespace mfrelay::relay {
namespace {

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

}  // namespace

void write_file_durably(const std::filesystem::path& path, std::string_view text) {
  mode_t mode = 0644;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  write_file_durably(path, text, mode);
}

void write_file_durably(const std::filesystem::path& path, std::string_view text, unsigned mode) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const std::filesystem::path temp = dir / ("." + path.filename().string() + ".tmp-" + new_session_id());
  const std::string temp_name = temp.string();

  unique_fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode)));
  if (!fd) fail(errno, "create " + temp_name);
  try {
    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) fail(errno, "chmod " + temp_name);  // umask may have narrowed it
    if (int err = pwrite_all(fd.get(), text, 0)) fail(err, "write " + temp_name);
    if (int err = retry_eintr([&] { return ::fsync(fd.get()); })) fail(err, "fsync " + temp_name);
    fd.reset();  // after the fsync, close() has no write-back error left to report
    if (::rename(temp.c_str(), path.c_str()) != 0) fail(errno, "rename " + temp_name + " to " + path.string());
  } catch (...) {
    fd.reset();
    ::unlink(temp.c_str());
    throw;
  }
  if (int err = sync_directory(dir)) fail(err, "fsync " + dir.string());
}

}  // namespace mfrelay::relay
