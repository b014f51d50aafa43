#include "relay/state/store_set.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "relay/common/random_bytes.hpp"
#include "relay/state/pg_send_counters_store.hpp"
#include "relay/state/pg_sent_message_table.hpp"
#include "relay/state/pg_state_store.hpp"
#include "relay/state/pg_store.hpp"
#include "relay/state/pg_suppression_store.hpp"
#include "relay/state/sqlite_send_counters_store.hpp"
#include "relay/state/sqlite_state_store.hpp"
#include "relay/state/sqlite_suppression_store.hpp"

namespace mfrelay::relay {

std::string node_id(const std::string& state_dir) {
  const auto path = std::filesystem::path(state_dir) / "node-id";
  {
    std::ifstream in(path);
    std::string id;
    if (in >> id && !id.empty()) return id;
  }
  std::string id = random_hex(8);
  std::ofstream out(path, std::ios::trunc);
  out << id << '\n';
  out.flush();
  if (!out) throw std::runtime_error("cannot write " + path.string());
  return id;
}

store_set::store_set(const policy::config& cfg, sent_message_index_settings index_settings) {
  std::filesystem::create_directories(cfg.relay.state_dir);
  const std::string db = (std::filesystem::path(cfg.relay.state_dir) / "state.db").string();
  dkim_states_ = std::make_unique<sqlite_state_store>(db, false, verification_kind::dkim);
  if (cfg.store.kind == policy::store_kind::postgresql) {
    pg_ = std::make_unique<pg_store>(cfg.store.url);
    auto states = std::make_unique<pg_state_store>(*pg_);
    pg_states_ = states.get();
    states_ = std::move(states);
    suppression_ = std::make_unique<pg_suppression_store>(*pg_);
    counters_ = std::make_unique<pg_send_counters_store>(*pg_, node_id(cfg.relay.state_dir));
    sent_index_ = std::make_unique<sent_message_index>(std::make_unique<pg_sent_message_table>(*pg_, cfg.store.url),
                                                       std::move(index_settings));
    return;
  }
  states_ = std::make_unique<sqlite_state_store>(db);
  suppression_ = std::make_unique<sqlite_suppression_store>(db);
  counters_ = std::make_unique<sqlite_send_counters_store>(db);
  sent_index_ = std::make_unique<sent_message_index>(db, std::move(index_settings));
}

// The index first (its destructor writes what is queued), then the writer
// (its last writes call back into the pg_* stores), then those stores.
store_set::~store_set() {
  sent_index_.reset();
  pg_.reset();
  counters_.reset();
  suppression_.reset();
  states_.reset();
  dkim_states_.reset();
}

bool store_set::up() const { return !pg_ || pg_->up(); }

bool store_set::probe() { return !pg_ || pg_->probe(); }

std::size_t store_set::queued_writes() const { return pg_ ? pg_->writer().queued() : 0; }

std::optional<std::vector<state_change>> store_set::reread_states() {
  if (!pg_states_) return std::nullopt;
  return pg_states_->reread();
}

}  // namespace mfrelay::relay
