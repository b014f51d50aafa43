#include "relay/smtp/command_line_reader.hpp"

namespace mfrelay::relay::smtp {

void command_line_reader::reset() {
  line_.clear();
  raw_octets_ = 0;
  pending_cr_ = too_long_ = bare_cr_ = complete_ = false;
}

command_line_reader::result command_line_reader::put(std::string_view input) {
  if (complete_) reset();
  result r;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    ++raw_octets_;
    if (c == '\n') {
      // A bare LF ends a command line too: Postfix accepts it in the command
      // phase, where it cannot hide a message terminator.
      complete_ = true;
      pending_cr_ = false;
      r.consumed = i + 1;
      r.what = too_long_ || raw_octets_ > max_line_ ? status::too_long
               : bare_cr_                           ? status::bare_cr
                                                    : status::line;
      r.line = line_;
      return r;
    }
    if (pending_cr_) {
      // The CR before this octet was not the start of a CRLF.
      bare_cr_ = true;
      pending_cr_ = false;
    }
    if (c == '\r') {
      pending_cr_ = true;
      continue;
    }
    // Keep at most what a valid line can hold (the limit minus the LF); count the rest.
    if (line_.size() + 1 < max_line_) {
      line_ += c;
    } else {
      too_long_ = true;
    }
  }
  r.consumed = input.size();
  return r;
}

}  // namespace mfrelay::relay::smtp
