// Splits the command-phase byte stream into SMTP command lines, put()-style:
// bytes in, at most one line out, and how many bytes that took. One session's
// strand. Every byte is untrusted client input.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace mfrelay::relay::smtp {

class command_line_reader {
 public:
  // RFC 5321 4.5.3.1.4: 512 octets including the CRLF.
  explicit command_line_reader(std::size_t max_line = 512) : max_line_(max_line) {}

  enum class status {
    need_more,  // every byte was consumed, no line is complete yet
    line,       // `line` holds the command, without its CRLF (or bare LF)
    too_long,   // the line was longer than the limit and has been skipped up to its LF
    bare_cr,    // the line held a CR not followed by LF and has been skipped
  };
  struct result {
    std::size_t consumed = 0;
    status what = status::need_more;
    std::string_view line;  // valid until the next put() or reset()
  };

  // Consumes bytes up to and including the end of the first complete line and
  // stops there, so whatever follows stays with the caller: after STARTTLS the
  // driver must throw it away, after DATA it belongs to the message.
  result put(std::string_view input);

  // Forgets a partial line (used after STARTTLS).
  void reset();

 private:
  std::size_t max_line_;
  std::string line_;
  std::size_t raw_octets_ = 0;  // of the current line as received, CR and LF included
  bool pending_cr_ = false;
  bool too_long_ = false;
  bool bare_cr_ = false;
  bool complete_ = false;  // line_ holds the line last returned; clear it on the next put()
};

}  // namespace mfrelay::relay::smtp
