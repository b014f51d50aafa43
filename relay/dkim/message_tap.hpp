// Watches a message stream for the signer: keeps the header block (bounded) and
// hashes the body (relaxed) as DATA streams past, so that signing at the end of
// DATA needs no second pass over the spooled bytes. One session's strand. The
// bytes are the client's (decoded DATA content, CRLF lines): untrusted.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "relay/dkim/dkim_canonical.hpp"

namespace mfrelay::relay::dkim {

class message_tap {
 public:
  explicit message_tap(std::size_t header_limit) : limit_(header_limit) {}

  void feed(std::string_view content);
  // The body hash; call once, after the last feed. A message without a blank
  // line is all header, with an empty body.
  sha256::digest finish();

  // The header block without the blank line that ends it.
  std::string_view header_block() const { return header_; }
  // The header block was longer than the limit: the message cannot be signed.
  bool overflowed() const { return overflowed_; }

 private:
  std::size_t limit_;
  std::string header_;
  bool in_body_ = false;
  bool overflowed_ = false;
  relaxed_body_hash body_;
};

}  // namespace mfrelay::relay::dkim
