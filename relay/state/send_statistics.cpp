#include "relay/state/send_statistics.hpp"

#include <chrono>

namespace mfrelay::relay {
namespace {

constexpr std::int64_t quarter_ms = 15 * 60 * 1000;
constexpr std::int64_t kept = 14 * 24 * 4;  // two weeks of quarters

std::int64_t quarter_of(policy::timestamp t) { return t.time_since_epoch().count() / quarter_ms; }

}  // namespace

void send_statistics::add(policy::timestamp at, std::uint64_t attempts, std::uint64_t bounces,
                          std::uint64_t complaints, std::uint64_t rejects) {
  const std::int64_t q = quarter_of(at);
  std::lock_guard hold(lock_);
  auto& p = buckets_[q];
  p.timestamp = policy::timestamp{policy::duration{q * quarter_ms}};
  p.delivery_attempts += attempts;
  p.bounces += bounces;
  p.complaints += complaints;
  p.rejects += rejects;
  while (!buckets_.empty() && buckets_.begin()->first <= q - kept) buckets_.erase(buckets_.begin());
}

std::vector<send_data_point> send_statistics::points(policy::timestamp now) const {
  const std::int64_t q = quarter_of(now);
  std::vector<send_data_point> out;
  std::lock_guard hold(lock_);
  for (auto it = buckets_.lower_bound(q - kept + 1); it != buckets_.end(); ++it) out.push_back(it->second);
  return out;
}

}  // namespace mfrelay::relay
