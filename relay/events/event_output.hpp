// One destination of the event stream: a file, standard output, syslog.
// write() and reopen() may be called from any thread at once (each output
// orders its own writers); neither ever throws nor waits on a peer for long.
#pragma once
#include <span>
#include <string_view>

namespace mfrelay::relay {

// One serialized event without a newline, and its eventType ("" when it has none).
struct event_line {
  std::string_view json;
  std::string_view event_type;
};

class event_output {
 public:
  virtual ~event_output() = default;

  // `json` is one serialized event without a newline; `event_type` is its
  // eventType ("" when it has none). A failure is the output's to report.
  virtual void write(std::string_view json, std::string_view event_type) noexcept = 0;

  // Several events in order: one write() each unless the output does better
  // (a file or descriptor appends them with one system call).
  virtual void write_all(std::span<const event_line> lines) noexcept {
    for (const auto& l : lines) write(l.json, l.event_type);
  }

  // After logrotate moved a file away (SIGUSR1): open it again. Also a chance
  // to retry what failed. Nothing for outputs without a file.
  virtual void reopen() noexcept {}
};

}  // namespace mfrelay::relay
