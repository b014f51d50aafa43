// The sent-message index's rows in PostgreSQL (sent_message_table for [store]
// kind = "postgresql"): every node writes the messages it accepted and finds
// those any node accepted, so a bounce that reaches node A for a message node
// B sent is matched. Writes on a connection of its own (the index's writer
// thread; while the database is away the index keeps the batch queued and
// tries again), reads on pg_store's. Message ids are untrusted text (bound).
#pragma once
#include "relay/state/pg_store.hpp"
#include "relay/state/sent_message_table.hpp"

namespace mfrelay::relay {

class pg_sent_message_table final : public sent_message_table {
 public:
  pg_sent_message_table(pg_store& store, const std::string& url) : store_(store), writer_(url) {}

  void write(const std::vector<sent_message>& batch) override;
  std::size_t prune(policy::timestamp oldest) override;
  std::optional<sent_message> find(const std::string& message_id, policy::timestamp oldest) override;

 private:
  pg_store& store_;
  pg_connection writer_;
};

}  // namespace mfrelay::relay
