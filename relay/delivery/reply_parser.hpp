// Parses SMTP replies from the bytes an upstream server sent, put()-style: no I/O,
// bytes in, at most one reply out and how many bytes it took. Pure, any thread.
// Every byte is untrusted: sizes are bounded and unprintable bytes replaced.
#pragma once
#include <cstddef>
#include <string_view>

#include "relay/delivery/upstream_reply.hpp"

namespace mfrelay::relay {

enum class reply_status {
  need_more,  // no complete reply yet: read more and call again with everything unconsumed
  complete,   // `reply` holds one reply; `consumed` bytes belong to it
  malformed,  // not SMTP (bad code, codes differ between lines, too long): drop the connection
};

struct reply_parse_result {
  reply_status status = reply_status::need_more;
  std::size_t consumed = 0;
  upstream_reply reply;
};

struct reply_limits {
  std::size_t max_line = 4096;  // RFC 5321 says 512; servers are generous, we are a little
  std::size_t max_lines = 256;
};

// Looks for one complete reply at the start of `input`. Lines end in CRLF (a bare
// LF is accepted too). "250-text" continues, "250 text" or "250" ends the reply.
reply_parse_result parse_reply(std::string_view input, reply_limits limits = {});

}  // namespace mfrelay::relay
