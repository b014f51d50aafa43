// The daemon's stores, of the kind [store] names: the verification states,
// the suppression list, the send counters and the sent-message index, in
// <state_dir>/state.db (sqlite) or in PostgreSQL (postgresql, shared by every
// node naming the same url). The rest of the relay sees only the interfaces;
// no libpq or SQLite type crosses this header. Built once at start (blocks:
// opens, migrates); up()/probe() from any thread.
#pragma once
#include <memory>
#include <string>

#include "policy/config.hpp"
#include "relay/state/send_counters_store.hpp"
#include "relay/state/sent_message_index.hpp"
#include "relay/state/state_changes.hpp"
#include "relay/state/state_store.hpp"
#include "relay/state/suppression_store.hpp"

namespace mfrelay::relay {

class pg_store;
class pg_state_store;

// This node's name in a shared store (its send_counter rows): read from
// <state_dir>/node-id, made (random) the first time. Throws std::runtime_error.
std::string node_id(const std::string& state_dir);

class store_set {
 public:
  // Creates the state directory; opens (and for PostgreSQL, migrates) the
  // stores. Throws std::runtime_error saying which store failed.
  store_set(const policy::config& cfg, sent_message_index_settings index_settings);
  ~store_set();
  store_set(const store_set&) = delete;
  store_set& operator=(const store_set&) = delete;

  state_store& states() { return *states_; }
  // Easy DKIM states: always <state_dir>/state.db, because the keys they
  // verify are this node's files under state_dir too.
  state_store& dkim_states() { return *dkim_states_; }
  suppression_store& suppression() { return *suppression_; }
  send_counters_store& counters() { return *counters_; }
  sent_message_index& sent_index() { return *sent_index_; }

  // True when other nodes share these stores (PostgreSQL).
  bool shared() const { return pg_ != nullptr; }
  // Whether the database answered lately (always true for SQLite): the
  // mfrelay_store_up gauge and /readyz.
  bool up() const;
  // Asks the database now (SELECT 1) and returns up(); blocks at most the
  // connect timeout. The daemon's store thread calls it every second.
  bool probe();
  // Writes waiting for the database (0 for SQLite).
  std::size_t queued_writes() const;
  // Shared store: reads the MAIL FROM states again from the database, which
  // states() then returns; what changed (pg_state_store::reread). nullopt for
  // SQLite, and when it could not (try again later). On the store thread.
  std::optional<std::vector<state_change>> reread_states();

 private:
  std::unique_ptr<pg_store> pg_;
  std::unique_ptr<state_store> states_;
  pg_state_store* pg_states_ = nullptr;  // states_ when it is PostgreSQL's
  std::unique_ptr<state_store> dkim_states_;
  std::unique_ptr<suppression_store> suppression_;
  std::unique_ptr<send_counters_store> counters_;
  std::unique_ptr<sent_message_index> sent_index_;
};

}  // namespace mfrelay::relay
