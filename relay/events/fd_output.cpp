#include "relay/events/fd_output.hpp"

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

}  // namespace mfrelay::relay
