// DKIM "relaxed" canonicalization (RFC 6376 3.4.2 and 3.4.4) for the signer:
// header fields one at a time, the body as it streams past. Pure, one thread
// per object. The input is the client's message: untrusted, any bytes.
#pragma once
#include <string>
#include <string_view>

#include "relay/common/sha256.hpp"

namespace mfrelay::relay::dkim {

// One header field as it appears in the message ("Name: value\r\n", possibly
// folded, the final CRLF optional) -> "name:value\r\n": the name lowercased,
// the value unfolded, runs of spaces and tabs made one space, the spaces around
// the colon and at the end dropped.
std::string relaxed_header(std::string_view field);

// The body hash (bh=) over the relaxed body: spaces and tabs at the ends of
// lines dropped, other runs of them made one space, empty lines at the end
// dropped, a last line without CRLF given one. Feed the body (everything after
// the blank line that ends the header) in chunks of any size.
class relaxed_body_hash {
 public:
  void feed(std::string_view body);
  sha256::digest finish();

 private:
  void emit_content(char c);
  void end_line();

  sha256 hash_;
  std::string out_;               // canonical bytes not yet hashed (batched)
  std::size_t empty_lines_ = 0;   // empty lines seen but not yet known to be inside the body
  bool line_has_content_ = false;
  bool pending_space_ = false;    // a run of spaces/tabs after the content so far
  bool pending_cr_ = false;       // a CR that may start a CRLF
};

}  // namespace mfrelay::relay::dkim
