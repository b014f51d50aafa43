#include "relay/state/send_quota.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mfrelay::relay {
namespace {

constexpr std::uint64_t quarter_ms = 15 * 60 * 1000;
constexpr unsigned count_bits = 40;
constexpr std::uint64_t count_mask = (std::uint64_t{1} << count_bits) - 1;
constexpr std::uint64_t quarter_mask = (std::uint64_t{1} << (64 - count_bits)) - 1;

std::uint64_t quarter_of(policy::timestamp wall) {
  auto ms = wall.time_since_epoch().count();
  return ms < 0 ? 0 : static_cast<std::uint64_t>(ms) / quarter_ms;
}
std::uint64_t pack(std::uint64_t quarter, std::uint64_t count) {
  return ((quarter & quarter_mask) << count_bits) | (count & count_mask);
}
std::uint64_t slot_quarter(std::uint64_t word) { return word >> count_bits; }
std::uint64_t slot_count(std::uint64_t word) { return word & count_mask; }

}  // namespace

send_quota::send_quota(double max_send_rate, std::uint64_t max_24_hour_send)
    : rate_(max_send_rate > 0 ? max_send_rate : 0), daily_max_(max_24_hour_send) {
  if (rate_ > 0) {
    interval_ns_ = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(1e9 / rate_)));
    // A second's worth of tokens (at least one): SES lets a short burst at the rate through.
    double depth = std::max(1.0, std::floor(rate_));
    tolerance_ns_ = static_cast<std::int64_t>((depth - 1) * static_cast<double>(interval_ns_));
  }
}

bool send_quota::add_daily(std::uint32_t n, std::uint64_t quarter) {
  auto& slot = daily_[quarter % slots];
  std::uint64_t word = slot.load(std::memory_order_relaxed);
  for (;;) {
    std::uint64_t count = slot_quarter(word) == (quarter & quarter_mask) ? slot_count(word) : 0;
    if (slot.compare_exchange_weak(word, pack(quarter, count + n), std::memory_order_acq_rel)) return true;
  }
}

void send_quota::sub_daily(std::uint32_t n, std::uint64_t quarter) {
  auto& slot = daily_[quarter % slots];
  std::uint64_t word = slot.load(std::memory_order_relaxed);
  for (;;) {
    if (slot_quarter(word) != (quarter & quarter_mask)) return;  // that quarter is gone already
    std::uint64_t count = slot_count(word);
    if (slot.compare_exchange_weak(word, pack(quarter, count > n ? count - n : 0), std::memory_order_acq_rel)) return;
  }
}

std::uint64_t send_quota::sent_last_24_hours(policy::timestamp wall) const {
  const std::uint64_t now = quarter_of(wall) & quarter_mask;
  std::uint64_t total = others_.load(std::memory_order_relaxed);
  for (const auto& slot : daily_) {
    std::uint64_t word = slot.load(std::memory_order_acquire);
    std::uint64_t age = (now - slot_quarter(word)) & quarter_mask;
    if (age < slots) total += slot_count(word);
  }
  return total;
}

std::vector<quarter_count> send_quota::daily_counts(policy::timestamp wall) const {
  const std::uint64_t full = quarter_of(wall);
  const std::uint64_t now = full & quarter_mask;
  std::vector<quarter_count> out;
  for (const auto& slot : daily_) {
    std::uint64_t word = slot.load(std::memory_order_acquire);
    std::uint64_t age = (now - slot_quarter(word)) & quarter_mask;
    if (age >= slots || age > full || slot_count(word) == 0) continue;
    auto start_ms = static_cast<std::int64_t>((full - age) * quarter_ms);
    out.push_back({policy::timestamp{policy::duration{start_ms}}, slot_count(word)});
  }
  std::sort(out.begin(), out.end(), [](const quarter_count& a, const quarter_count& b) { return a.start < b.start; });
  return out;
}

void send_quota::restore_daily(const quarter_count& saved, policy::timestamp wall) {
  const std::uint64_t now = quarter_of(wall), quarter = quarter_of(saved.start);
  if (saved.count == 0 || quarter > now || now - quarter >= slots) return;
  auto& slot = daily_[quarter % slots];
  std::uint64_t word = slot.load(std::memory_order_relaxed);
  std::uint64_t count = slot_quarter(word) == (quarter & quarter_mask) ? slot_count(word) : 0;
  slot.store(pack(quarter, std::min(count + saved.count, count_mask)), std::memory_order_release);
}

bool send_quota::take_rate(std::uint32_t n, mono_time mono) {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(mono.time_since_epoch()).count();
  std::int64_t tat = tat_.load(std::memory_order_relaxed);
  for (;;) {
    std::int64_t start = std::max(tat, now);
    if (start - now > tolerance_ns_) return false;  // not one whole token in the bucket
    std::int64_t next = start + static_cast<std::int64_t>(n) * interval_ns_;
    if (tat_.compare_exchange_weak(tat, next, std::memory_order_acq_rel)) return true;
  }
}

quota_verdict send_quota::acquire(std::uint32_t recipients, mono_time mono, policy::timestamp wall) {
  const std::uint32_t n = std::max<std::uint32_t>(recipients, 1);
  const std::uint64_t quarter = quarter_of(wall);
  if (daily_max_ > 0) {
    // Counted first and taken back when over: concurrent sessions never pass the quota together.
    add_daily(n, quarter);
    if (sent_last_24_hours(wall) > daily_max_) {
      sub_daily(n, quarter);
      return quota_verdict::daily_exceeded;
    }
  }
  if (rate_ > 0 && !take_rate(n, mono)) {
    if (daily_max_ > 0) sub_daily(n, quarter);
    return quota_verdict::rate_exceeded;
  }
  if (daily_max_ == 0) add_daily(n, quarter);  // SentLast24Hours is reported without a quota too
  return quota_verdict::ok;
}

void send_quota::refund(std::uint32_t recipients, policy::timestamp wall) {
  sub_daily(std::max<std::uint32_t>(recipients, 1), quarter_of(wall));
}

}  // namespace mfrelay::relay
