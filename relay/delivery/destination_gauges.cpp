#include "relay/delivery/destination_gauges.hpp"

namespace mfrelay::relay {

void destination_gauges::add_queued(const std::string& destination, long delta) { add(destination, delta, true); }

void destination_gauges::add_connections(const std::string& destination, long delta) {
  add(destination, delta, false);
}

void destination_gauges::add(const std::string& destination, long delta, bool queued) {
  std::lock_guard lock(mutex_);
  auto [it, added] = gauges_.try_emplace(destination, destination_gauge{destination, 0, 0});
  std::size_t& value = queued ? it->second.queued : it->second.connections;
  value = delta < 0 && static_cast<std::size_t>(-delta) > value ? 0 : value + delta;
  if (it->second.queued == 0 && it->second.connections == 0) gauges_.erase(it);
}

std::vector<destination_gauge> destination_gauges::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<destination_gauge> out;
  for (const auto& [name, g] : gauges_) out.push_back(g);
  return out;
}

}  // namespace mfrelay::relay
