// One destination of the event stream: a file, standard output, syslog.
// write() and reopen() may be called from any thread at once (each output
// orders its own writers); neither ever throws nor waits on a peer for long.
#pragma once
#include <string_view>

namespace mfrelay::relay {

class event_output {
 public:
  virtual ~event_output() = default;

  // `json` is one serialized event without a newline; `event_type` is its
  // eventType ("" when it has none). A failure is the output's to report.
  virtual void write(std::string_view json, std::string_view event_type) noexcept = 0;

  // After logrotate moved a file away (SIGUSR1): open it again. Also a chance
  // to retry what failed. Nothing for outputs without a file.
  virtual void reopen() noexcept {}
};

}  // namespace mfrelay::relay
