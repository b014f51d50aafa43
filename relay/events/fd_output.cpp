#include "relay/events/fd_output.hpp"

namespace mfrelay::relay {

fd_output::fd_output(int fd, std::string name) : fd_(fd), trouble_(std::move(name)) {}

void fd_output::write(std::string_view json, std::string_view event_type) noexcept {
  const event_line line{json, event_type};
  write_all({&line, 1});
}

void fd_output::write_all(std::span<const event_line> lines) noexcept {
  std::lock_guard lock(mutex_);
  auto r = writer_.write(fd_, lines);
  if (r.error == 0) {
    trouble_.recovered();
  } else {
    trouble_.failed("write", r.error);
  }
}

}  // namespace mfrelay::relay
