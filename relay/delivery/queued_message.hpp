// One message as `mfrelay queue` shows it: where it goes, how old it is, how
// often it was tried and why it is still waiting. A plain value, copied off the
// delivery queue's strand for the admin API; any thread. Addresses and the last
// error (an upstream reply) are untrusted text.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "policy/time.hpp"

namespace mfrelay::relay {

struct queued_message {
  std::string id;
  std::string sender;                      // the envelope sender as the application gave it; "" = <>
  std::vector<std::string> recipients;     // not yet delivered or bounced
  std::string destination;                 // the next hop: "host:port" or the [[smarthost]] name
  policy::timestamp received_at{};
  unsigned attempts = 0;
  std::string last_error;                  // the last deferral's diagnostic; "" before any
  std::optional<policy::timestamp> next_attempt;  // when it is due; nullopt: ready or in flight now
  bool in_flight = false;
};

// What delivery_queue::remove says.
enum class queue_removal { removed, not_found, in_flight };

}  // namespace mfrelay::relay
