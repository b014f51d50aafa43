// What the spool keeps beside a message's bytes: who it is from, where it goes,
// and the event metadata. A plain value; any thread. The strings come from the
// SMTP client (addresses) and are stored byte for byte, never interpreted here.
#pragma once
#include <string>
#include <vector>

#include "policy/time.hpp"

namespace mfrelay::relay {

struct envelope {
  std::string id;                       // the message id (policy::is_message_id), also the spool file's name
  std::string original_sender;          // MAIL FROM as the client gave it; "" for <>
  std::string return_path;              // the rewritten envelope sender, <id>@domain
  std::vector<std::string> recipients;  // RCPT TO, in order
  policy::timestamp received_at{};      // when DATA ended
  std::string metadata;                 // opaque JSON text for events (policy + session objects)

  friend bool operator==(const envelope&, const envelope&) = default;
};

}  // namespace mfrelay::relay
