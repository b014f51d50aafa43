// Decodes the DATA phase, put()-style: raw bytes in, message content out,
// finding only <CRLF>.<CRLF> as the end and undoing dot-stuffing. One session's
// strand. Every byte is untrusted: this is where SMTP smuggling is stopped.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/config.hpp"
#include "policy/smtp_reply.hpp"

namespace mfrelay::relay::smtp {

class data_decoder {
 public:
  // At most this many input octets are taken per put(), so the decoded chunk
  // handed out stays small (at most twice this) whatever the client sends.
  static constexpr std::size_t max_input_per_put = 64 * 1024;

  data_decoder(std::uint64_t max_message_bytes, policy::bare_newline_mode mode)
      : max_message_bytes_(max_message_bytes), mode_(mode) {}

  struct result {
    std::size_t consumed = 0;  // input octets used; the rest belongs to the next command
    bool ended = false;        // the terminator was the last octets consumed
    std::string_view decoded;  // content to append to the message; valid until the next put()
  };

  // The CRLF that ended the DATA command counts as the end of a line, so
  // ".\r\n" straight away is an empty message. Nothing but CR LF "." CR LF
  // ends the message: not LF "." LF, not CR "." CR, not a "." line after a bare
  // newline. Once the message is bad (rejection() set) nothing more is emitted,
  // but input is consumed up to the real terminator.
  result put(std::string_view input);

  // Why the message must be refused, the first reason found: a bare CR or LF
  // (mode reject), a lone "." line that is not the terminator (mode normalize),
  // a NUL octet, a line over 1000 octets, more than max_message_bytes.
  const std::optional<policy::smtp_reply>& rejection() const { return rejection_; }

  // Decoded octets counted so far (counting continues past the size limit only
  // until the message is refused).
  std::uint64_t message_bytes() const { return size_; }

 private:
  enum class line_state {
    start,  // nothing of the line seen yet
    dot,    // the line so far is one "." (the terminator, a stuffed dot, or a dot to drop)
    text,
  };

  void emit(std::string_view content);
  void count_octets(std::size_t n);
  void end_line(bool after_crlf);
  void bare_line_end();
  void reject(policy::smtp_reply reply);

  std::uint64_t max_message_bytes_;
  policy::bare_newline_mode mode_;
  std::string out_;
  std::optional<policy::smtp_reply> rejection_;
  std::uint64_t size_ = 0;
  std::size_t line_octets_ = 0;  // of the current line as received, without its line end
  line_state line_ = line_state::start;
  bool line_after_crlf_ = true;  // the current line began after a real CRLF (or at DATA)
  bool pending_cr_ = false;      // the last octet was a CR: CRLF or bare CR is decided by the next
  bool ended_ = false;
};

}  // namespace mfrelay::relay::smtp
