// Appends one event line to a descriptor: the JSON and a newline in one write
// where the kernel allows, short writes and EINTR continued, SIGPIPE never
// raised. One caller at a time (its owner holds a lock). The bytes are opaque.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace mfrelay::relay {

// Appends `json` to `joined` as its next line: several events then go out in one
// write() ("a\nb\nc"; write() adds the last newline).
void join_line(std::string& joined, std::string_view json);

class line_writer {
 public:
  struct result {
    int error = 0;          // errno of the failure, 0 on success
    std::size_t bytes = 0;  // written, even when it failed midway
  };

  // `may_raise_sigpipe`: the descriptor may be a pipe or socket, whose reader can go
  // away; SIGPIPE is then blocked around the write (four system calls). A regular
  // file cannot raise it: its owner passes false.
  result write(int fd, std::string_view json, bool may_raise_sigpipe = true);

 private:
  // The last line stopped midway (disk full): the next starts on a fresh line,
  // so one damaged line does not take the next one with it.
  bool broken_ = false;
};

}  // namespace mfrelay::relay
