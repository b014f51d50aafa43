#include "relay/smtp/data_decoder.hpp"

#include <algorithm>
#include <utility>

#include "relay/smtp/standard_replies.hpp"

namespace mfrelay::relay::smtp {
namespace {

// RFC 5321 4.5.3.1.6: a text line is at most 1000 octets including the CRLF.
constexpr std::size_t max_line_content = 998;

}  // namespace

void data_decoder::reject(policy::smtp_reply reply) {
  // Content already handed out stays handed out (the driver drops the whole
  // message); from here on nothing more is emitted, however the input is chunked.
  if (!rejection_) rejection_ = std::move(reply);
}

void data_decoder::emit(std::string_view content) {
  if (rejection_) return;
  size_ += content.size();
  if (size_ > max_message_bytes_) {
    reject(replies::message_too_long());
    return;
  }
  out_ += content;
}

void data_decoder::count_octets(std::size_t n) {
  line_octets_ += n;
  if (line_octets_ > max_line_content) reject(replies::text_line_too_long());
}

void data_decoder::end_line(bool after_crlf) {
  // A line that is one "." and was not the terminator: either it ended in a
  // bare CR/LF or it began after one. A next hop that treats bare newlines as
  // line ends would see a terminator here, so this is the smuggling attempt
  // itself and the message is refused in both modes.
  if (line_ == line_state::dot) reject(replies::bare_newline_in_message());
  emit("\r\n");
  line_ = line_state::start;
  line_octets_ = 0;
  line_after_crlf_ = after_crlf;
}

void data_decoder::bare_line_end() {
  if (mode_ == policy::bare_newline_mode::reject) reject(replies::bare_newline_in_message());
  // normalize: the bare CR or LF becomes CRLF, but the next line does not
  // count as beginning after a CRLF, so it can never be the terminator.
  end_line(false);
}

data_decoder::result data_decoder::put(std::string_view input) {
  out_.clear();
  result r;
  if (ended_) {
    r.ended = true;
    return r;
  }
  const std::size_t n = std::min(input.size(), max_input_per_put);
  std::size_t i = 0;
  while (i < n) {
    const char c = input[i];
    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        ++i;
        if (line_ == line_state::dot && line_after_crlf_) {
          ended_ = true;
          break;
        }
        end_line(true);
        continue;
      }
      bare_line_end();  // the CR was bare; `c` starts the next line
    }
    if (c == '\r') {
      pending_cr_ = true;
      ++i;
      continue;
    }
    if (c == '\n') {
      bare_line_end();
      ++i;
      continue;
    }
    if (c == '\0') {
      // Some next hops drop NULs; "\r\n\0.\r\n" would then end the message early.
      reject(replies::nul_in_message());
    }
    if (line_ == line_state::start && c == '.') {
      line_ = line_state::dot;
      count_octets(1);
      ++i;
      continue;
    }
    if (line_ == line_state::dot) {
      line_ = line_state::text;
      if (c == '.') {
        // ".." at a line start: the client's stuffing; one dot is content.
        count_octets(1);
        emit(".");
        ++i;
        continue;
      }
      // "." then text: RFC 5321 4.5.2 says the dot goes; `c` is content.
    }
    line_ = line_state::text;
    // Ordinary octets up to the next CR, LF or NUL go out in one piece.
    std::size_t j = i + 1;
    while (j < n && input[j] != '\r' && input[j] != '\n' && input[j] != '\0') ++j;
    count_octets(j - i);
    emit(input.substr(i, j - i));
    i = j;
  }
  r.consumed = i;
  r.ended = ended_;
  r.decoded = out_;
  return r;
}

}  // namespace mfrelay::relay::smtp
