// Builds the DKIM-Signature header field (RFC 6376 3.5, relaxed/relaxed) for a
// message from its header block and its body hash. The SMTP session calls it at
// the end of DATA, on its strand, for a message whose identity signs. The
// header block is the client's: untrusted, any bytes (it is only hashed).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "relay/common/sha256.hpp"
#include "relay/dkim/dkim_key.hpp"

namespace mfrelay::relay::dkim {

struct sign_params {
  std::string domain;        // d=: the From domain
  std::string selector;      // s=: the identity's first token
  std::int64_t timestamp = 0;  // t=: seconds since the epoch
  const dkim_key* key = nullptr;
};

// The header names signed when present, in h= order; From is signed once more
// (oversigned), so that a From added in transit breaks the signature.
const std::vector<std::string_view>& signed_header_names();

// The header fields of `header_block` (everything before the blank line), each
// with its continuation lines and CRLF, in message order.
std::vector<std::string_view> header_fields(std::string_view header_block);

// The complete field, "DKIM-Signature: ...\r\n", to put on top of the message.
// Throws std::runtime_error if the key cannot sign.
std::string dkim_signature(std::string_view header_block, const sha256::digest& body_hash, const sign_params& params);

// The whole message in one piece (tests, tools): the field dkim_signature gives.
std::string sign_message(std::string_view message, const sign_params& params);

}  // namespace mfrelay::relay::dkim
