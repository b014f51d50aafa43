// Event lines to a descriptor the output does not own: standard output when
// [events] file = "-" (under systemd, the journal). Any thread (a mutex orders
// the lines). A closed pipe or a full disk loses events, never the process.
#pragma once
#include <mutex>
#include <string>

#include "relay/events/event_output.hpp"
#include "relay/events/line_writer.hpp"
#include "relay/events/output_trouble.hpp"

namespace mfrelay::relay {

class fd_output final : public event_output {
 public:
  // `name` is for the operational log ("standard output").
  fd_output(int fd, std::string name);

  void write(std::string_view json, std::string_view event_type) noexcept override;
  void write_all(std::span<const event_line> lines) noexcept override;

 private:
  int fd_;
  std::mutex mutex_;
  line_writer writer_;
  output_trouble trouble_;
};

}  // namespace mfrelay::relay
