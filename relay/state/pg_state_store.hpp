// The verification states in PostgreSQL (state_store for [store] kind =
// "postgresql"). Reads are served from the states this node loaded at start
// and wrote since (the last state it saw: it goes on deciding from them while
// the database is away); writes go to the database through pg_writer, in
// order, retried until they land. history() reads the database. Called on the
// store thread like every state_store.
#pragma once
#include <map>
#include <mutex>

#include "relay/state/pg_store.hpp"
#include "relay/state/state_changes.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

// The channel a write with a transition NOTIFYs (in its transaction); the
// other nodes LISTEN on it (relay/cluster/pg_cluster_link.hpp).
inline constexpr const char* pg_state_channel = "mfrelay_state";

// Every current state in the database (`mfrelay status` without a daemon, and
// the store at start); nullopt when the schema is not there yet. Throws
// std::runtime_error when the database cannot answer.
std::optional<std::vector<stored_state>> pg_read_states(pg_connection& db);

class pg_state_store final : public state_store {
 public:
  // Loads every current state now; throws std::runtime_error when it cannot.
  explicit pg_state_store(pg_store& store);

  std::vector<stored_state> load_all() override;
  std::optional<stored_state> load(const std::string& identity) override;
  // Queued for the database and applied to what load() returns; returns at
  // once (durable once the writer committed it: pg_writer.hpp).
  void write(const std::vector<state_write>& writes) override;
  void remove(const std::vector<std::string>& identities) override;
  std::vector<state_transition> history(const std::string& identity, std::size_t limit) override;

  // Reads every current state from the database again and serves reads from
  // them (another node, the verifier, wrote them); returns what changed.
  // nullopt when this node's own writes are still queued (the database is
  // behind what load() returns: try again later) or the database cannot
  // answer. Blocks (the read connection); on the store thread.
  std::optional<std::vector<state_change>> reread();

 private:
  pg_store& store_;
  std::mutex mutex_;
  std::map<std::string, stored_state> current_;
};

}  // namespace mfrelay::relay
