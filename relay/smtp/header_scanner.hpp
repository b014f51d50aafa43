// Collects the header block of a message as it streams past (bounded) and
// pulls out From (parsed), Subject, Message-ID and To (for events). One
// session's strand. The content is the client's message: untrusted.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/email_address.hpp"
#include "policy/smtp_reply.hpp"
#include "relay/smtp/address_list.hpp"

namespace mfrelay::relay::smtp {

struct message_headers {
  std::size_t from_fields = 0;    // how many From: fields the block holds
  address_list_result from;       // the mailboxes of all of them, or the first parse error
  std::string subject;            // unfolded raw text (encoded-words left as they are), bounded
  std::string message_id;
  std::string to;
  bool truncated = false;         // the block was longer than the limit: fields past it are unseen
};

// The one From mailbox policy works from, or the reply refusing the message:
// no From field → "no From header"; one that does not parse → "the From
// header's address is not valid: <why>"; one without a mailbox → "holds no
// address"; more than one mailbox (in one field or across several From
// fields) → "exactly one address".
struct from_check {
  std::optional<policy::email_address> from;
  std::optional<policy::smtp_reply> rejection;
};
from_check check_from(const message_headers& headers);

class header_scanner {
 public:
  static constexpr std::size_t default_limit = 64 * 1024;
  // Each extracted raw text (Subject, Message-ID, To) is cut to this many octets.
  static constexpr std::size_t max_field_text = 998;

  // `smtputf8`: the transaction declared SMTPUTF8, so From addresses may hold
  // UTF-8 (RFC 6532); without it only their display names may.
  explicit header_scanner(std::size_t limit = default_limit, bool smtputf8 = false)
      : limit_(limit), smtputf8_(smtputf8) {}

  // Feed decoded message content (CRLF lines) in order; cheap once the block is complete.
  void feed(std::string_view content);

  // Parses what was collected. Call once the message has ended (a message
  // without a blank line is all header).
  message_headers result() const;

 private:
  std::size_t limit_;
  bool smtputf8_;
  std::string block_;
  bool complete_ = false;   // the blank line that ends the block was seen
  bool truncated_ = false;  // the limit was reached first
};

}  // namespace mfrelay::relay::smtp
