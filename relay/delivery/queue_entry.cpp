#include "relay/delivery/queue_entry.hpp"

#include <algorithm>

namespace mfrelay::relay {

queue_entry::queue_entry(envelope e, const policy::delivery_settings& delivery) : env(std::move(e)) {
  for (auto& g : group_by_destination(env.recipients, delivery)) {
    queue_leg l;
    l.pending = std::move(g.recipients);
    std::string key = g.destination.key;
    l.destination = std::move(g.destination);
    legs.emplace(std::move(key), std::move(l));
  }
}

bool queue_entry::in_flight() const {
  return std::any_of(legs.begin(), legs.end(), [](const auto& l) { return l.second.in_flight; });
}

queued_message queue_entry::describe() const {
  queued_message q;
  q.id = env.id;
  q.sender = env.original_sender;
  for (const auto& [key, l] : legs) {
    q.recipients.insert(q.recipients.end(), l.pending.begin(), l.pending.end());
    if (!q.destination.empty()) q.destination += ", ";
    q.destination += l.destination.label;
    q.attempts += l.attempts;
    q.in_flight = q.in_flight || l.in_flight;
    if (l.retry_at && (!q.next_attempt || *l.retry_at < *q.next_attempt)) q.next_attempt = l.retry_at;
  }
  q.received_at = env.received_at;
  q.last_error = last_error;
  return q;
}

}  // namespace mfrelay::relay
