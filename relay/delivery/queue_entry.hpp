// One message as the delivery queue keeps it: its recipients split into legs,
// one per destination (delivery_destination), each with its own attempts, retry
// time and transaction in flight. Plain values, used on the queue's strand only.
// Addresses and the last error (an upstream reply) are untrusted text.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/time.hpp"
#include "relay/delivery/bounce_reporter.hpp"
#include "relay/delivery/delivery_destination.hpp"
#include "relay/delivery/queued_message.hpp"
#include "relay/spool/envelope.hpp"

namespace mfrelay::relay {

// The recipients of one message that share a destination.
struct queue_leg {
  delivery_destination destination;
  std::vector<std::string> pending;  // not yet delivered or bounced
  unsigned attempts = 0;
  bool in_flight = false;
  std::optional<policy::timestamp> retry_at;  // set while waiting for a retry
};

struct queue_entry {
  envelope env;                          // as spooled; env.recipients is the whole list
  std::map<std::string, queue_leg> legs;  // destination key -> its recipients still to do; empty: done
  unsigned bounce_events = 0;
  bounce_report bounces;   // failed recipients, for the one DSN sent when the message is done
  std::string last_error;  // the last deferral's diagnostic, for `mfrelay queue`

  // `env` split by `delivery`'s routes.
  queue_entry(envelope e, const policy::delivery_settings& delivery);

  bool in_flight() const;
  // For `mfrelay queue`: every leg's recipients and destination, the earliest retry.
  queued_message describe() const;
};

}  // namespace mfrelay::relay
