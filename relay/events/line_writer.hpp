// Appends event lines to a descriptor: each JSON and its newline, many lines
// in one writev (nothing copied), short writes and EINTR continued, SIGPIPE
// never raised. To a pipe or socket one writev holds at most PIPE_BUF bytes of
// whole lines, so another writer's line cannot land inside one. A failure ends
// the batch (disk full, reader gone). One caller at a time (its owner holds a
// lock). The bytes are opaque.
#pragma once
#include <cstddef>
#include <span>

#include "relay/events/event_output.hpp"

namespace mfrelay::relay {

class line_writer {
 public:
  struct result {
    int error = 0;          // errno of the failure, 0 on success
    std::size_t bytes = 0;  // written, even when it failed midway
  };

  // The lines, in order; `bytes` counts them all. `may_raise_sigpipe`: the
  // descriptor may be a pipe or socket, whose reader can go away; SIGPIPE is then
  // blocked around the write (four system calls). A regular file cannot raise it:
  // its owner passes false.
  result write(int fd, std::span<const event_line> lines, bool may_raise_sigpipe = true);

 private:
  // The last line stopped midway (disk full): the next starts on a fresh line,
  // so one damaged line does not take the next one with it.
  bool broken_ = false;
};

}  // namespace mfrelay::relay
