// A reply from the upstream SMTP server (the smarthost): code, RFC 3463 enhanced
// status, text lines. A plain value; any thread. Built only by parse_reply, which
// has already replaced every unprintable byte of the server's text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mfrelay::relay {

struct upstream_reply {
  int code = 0;                    // 200..599
  std::string enhanced;            // "2.0.0" when the first line carries one; else empty
  std::vector<std::string> lines;  // each line's text after "250-" / "250 ", enhanced code included

  int reply_class() const { return code / 100; }
  // The lines joined with one space, each without its leading enhanced status code.
  std::string text() const;
  // One line for logs and events: "250 2.0.0 Ok: queued as 4Xz" (code, enhanced, text).
  std::string summary() const;

  friend bool operator==(const upstream_reply&, const upstream_reply&) = default;
};

// The RFC 3463 code "c.s.d" at the start of `text` (followed by a space or the end),
// when its class digit is `reply_class`; else empty.
std::string_view leading_enhanced_status(std::string_view text, int reply_class);

}  // namespace mfrelay::relay
