// Turns stored message content into the bytes sent after DATA's 354 (RFC 5321
// 4.5.2): CRLF line endings only, a leading '.' doubled, ending in CRLF.CRLF.
// Pure, any thread. The content is the client's; nothing in it can end DATA early.
#pragma once
#include <string>
#include <string_view>

namespace mfrelay::relay {

// Every bare CR or LF becomes CRLF (the spool stores CRLF only; this is the last
// line of defence against smuggling). A line starting with '.' gets one more '.'.
// A CRLF is added when the content does not end with one; then ".\r\n".
// Empty content yields ".\r\n".
std::string dot_stuff(std::string_view content);

// True when any octet has the high bit set (BODY=8BITMIME is due).
bool has_8bit(std::string_view bytes);

}  // namespace mfrelay::relay
