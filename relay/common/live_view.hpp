// What every transaction reads: the configuration generation in force and the
// snapshot of verification states. Both are immutable values swapped
// atomically (a reload, a committed transition); a reader takes one shared_ptr
// and keeps a consistent view for a whole transaction. Any thread.
#pragma once
#include <atomic>
#include <memory>

#include "policy/config.hpp"
#include "policy/state_snapshot.hpp"

namespace mfrelay::relay {

class live_view {
 public:
  std::shared_ptr<const policy::config> config() const { return config_.load(); }
  std::shared_ptr<const policy::state_snapshot> states() const { return states_.load(); }

  void set_config(std::shared_ptr<const policy::config> cfg) { config_.store(std::move(cfg)); }
  void set_states(std::shared_ptr<const policy::state_snapshot> states) { states_.store(std::move(states)); }

 private:
  std::atomic<std::shared_ptr<const policy::config>> config_{std::make_shared<const policy::config>()};
  std::atomic<std::shared_ptr<const policy::state_snapshot>> states_{std::make_shared<const policy::state_snapshot>()};
};

}  // namespace mfrelay::relay
