#include "relay/events/fd_output.hpp"

#include <cerrno>
#include <new>

namespace mfrelay::relay {

fd_output::fd_output(int fd, std::string name) : fd_(fd), trouble_(std::move(name)) {}

void fd_output::write(std::string_view json, std::string_view) noexcept {
  std::lock_guard lock(mutex_);
  auto r = writer_.write(fd_, json);
  if (r.error == 0) {
    trouble_.recovered();
  } else {
    trouble_.failed("write", r.error);
  }
}

void fd_output::write_all(std::span<const event_line> lines) noexcept {
  std::string joined;
  try {
    for (const auto& l : lines) join_line(joined, l.json);
  } catch (const std::bad_alloc&) {
    std::lock_guard lock(mutex_);
    trouble_.failed("write", ENOMEM);
    return;
  }
  write(joined, {});
}

}  // namespace mfrelay::relay
