#include "relay/events/file_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace mfrelay::relay {

file_output::file_output(file_output_settings settings)
    : settings_(std::move(settings)),
      trouble_("file " + settings_.path),
      reopen_trouble_("file " + settings_.path, "events still go to the file already open") {
  std::filesystem::path p(settings_.path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::lock_guard lock(mutex_);
  if (int error = open_locked())
    throw std::runtime_error("cannot open event log " + settings_.path + ": " + std::strerror(error));
}

file_output::~file_output() {
  if (fd_ >= 0) ::close(fd_);
}

int file_output::open_locked() noexcept {
  int fd = ::open(settings_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    int error = errno;
    reopen_pending_ = true;
    retry_open_at_ = clock::now() + settings_.retry_after;
    return error;
  }
  struct stat st{};
  const bool known = ::fstat(fd, &st) == 0;
  size_ = known ? static_cast<std::uint64_t>(st.st_size) : 0;
  regular_ = known && S_ISREG(st.st_mode);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  reopen_pending_ = false;
  return 0;
}

void file_output::reopen() noexcept {
  std::lock_guard lock(mutex_);
  if (int error = open_locked()) {
    reopen_trouble_.failed("reopen", error);
  } else {
    reopen_trouble_.recovered();
  }
}

// file.(keep-1) -> file.keep, ..., file -> file.1, then a fresh file. Renames
// are atomic, so a reader never sees a half-moved file; our own writers wait
// on the mutex. Another process appending keeps writing to the moved file.
void file_output::rotate_locked() noexcept {
  if (clock::now() < retry_rotation_at_) return;
  const std::string& path = settings_.path;
  int error = 0;
  try {
    if (settings_.keep_files == 0) {
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) error = errno;
    } else {
      for (std::uint32_t i = settings_.keep_files - 1; i >= 1 && error == 0; --i) {
        std::string from = path + '.' + std::to_string(i), to = path + '.' + std::to_string(i + 1);
        if (std::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) error = errno;
      }
      if (error == 0 && std::rename(path.c_str(), (path + ".1").c_str()) != 0 && errno != ENOENT) error = errno;
    }
  } catch (const std::bad_alloc&) {
    error = ENOMEM;
  }
  if (error == 0) error = open_locked();
  if (error != 0) {
    // Keep appending to the file we have; try again later, not on every line.
    retry_rotation_at_ = clock::now() + settings_.retry_after;
    reopen_trouble_.failed("rotation", error);
  } else {
    reopen_trouble_.recovered();
  }
}

void file_output::write(std::string_view json, std::string_view event_type) noexcept {
  const event_line line{json, event_type};
  write_all({&line, 1});
}

// The lines go out together, one system call, except where the next would pass
// max_bytes: what came before it is written, then the file rotated.
void file_output::write_all(std::span<const event_line> lines) noexcept {
  std::lock_guard lock(mutex_);
  // A failed reopen left us on the old file (events still land somewhere): try again now and then.
  if (reopen_pending_ && clock::now() >= retry_open_at_) {
    if (int error = open_locked()) {
      reopen_trouble_.failed("reopen", error);
    } else {
      reopen_trouble_.recovered();
    }
  }
  std::size_t first = 0;       // the lines not written yet start here
  std::uint64_t pending = 0;   // and take this many bytes
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::uint64_t line = lines[i].json.size() + 1;
    if (settings_.max_bytes > 0 && size_ + pending > 0 && size_ + pending + line > settings_.max_bytes) {
      append_locked(lines.subspan(first, i - first));
      first = i;
      pending = 0;
      rotate_locked();
    }
    pending += line;
  }
  append_locked(lines.subspan(first));
}

void file_output::append_locked(std::span<const event_line> lines) noexcept {
  if (lines.empty()) return;
  auto r = writer_.write(fd_, lines, !regular_);
  size_ += r.bytes;
  if (r.error == 0) {
    trouble_.recovered();
  } else {
    trouble_.failed("write", r.error);
  }
}

}  // namespace mfrelay::relay
