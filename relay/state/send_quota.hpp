// The account's sending quota, as SES enforces it: a maximum send rate
// (recipients per second, a token bucket) and a maximum count over the last 24
// hours. Asked once per message at the end of DATA by every SMTP session, on
// any thread: lock-free (atomics only), no allocation. Time is a parameter, so
// tests drive it with simulated time. The 24-hour count is kept in memory
// (96 quarter-hour slots); send_counters_store saves it off the hot path and
// puts it back at the next start. No untrusted input.
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

#include "policy/time.hpp"

namespace mfrelay::relay {

enum class quota_verdict { ok, rate_exceeded, daily_exceeded };

// What one quarter-hour counted.
struct quarter_count {
  policy::timestamp start{};  // the quarter-hour's first millisecond
  std::uint64_t count = 0;
  friend bool operator==(const quarter_count&, const quarter_count&) = default;
};

class send_quota {
 public:
  using mono_time = std::chrono::steady_clock::time_point;

  // 0 = unlimited, for either.
  send_quota(double max_send_rate, std::uint64_t max_24_hour_send);

  // `recipients` more messages (SES counts each recipient as one). The daily
  // count is checked first (so a day's end says so, not "rate"), then the rate:
  // a message passes while the bucket holds at least one token, and may take
  // it into debt (so a message with more recipients than a second's rate still
  // goes, and the average stays at the rate). Only `ok` counts it.
  quota_verdict acquire(std::uint32_t recipients, mono_time mono, policy::timestamp wall);
  // Gives back the daily count of an acquire() whose message was not accepted
  // after all (the spool failed). The rate tokens stay spent.
  void refund(std::uint32_t recipients, policy::timestamp wall);

  // GetSendQuota.SentLast24Hours: what acquire() let through in the 96 quarter-hours up to `wall`.
  std::uint64_t sent_last_24_hours(policy::timestamp wall) const;
  // The quarter-hours of that count that hold anything, oldest first (for
  // send_counters_store; lock-free reads, any thread).
  std::vector<quarter_count> daily_counts(policy::timestamp wall) const;
  // Adds a saved count back (at startup, before the first acquire()); a
  // quarter-hour outside the 24 hours up to `wall` is ignored.
  void restore_daily(const quarter_count& saved, policy::timestamp wall);
  // What the other nodes sharing the store sent over their last 24 hours (the
  // daemon sets it every second from send_counters_store): counted in
  // sent_last_24_hours(), so the daily quota holds for the nodes together.
  // Not in daily_counts(): each node saves only its own.
  void set_others(std::uint64_t sent) { others_.store(sent, std::memory_order_relaxed); }
  double max_send_rate() const { return rate_; }
  std::uint64_t max_24_hour_send() const { return daily_max_; }

 private:
  static constexpr std::size_t slots = 96;  // 24 h of 15 minutes
  bool add_daily(std::uint32_t n, std::uint64_t quarter);
  void sub_daily(std::uint32_t n, std::uint64_t quarter);
  bool take_rate(std::uint32_t n, mono_time mono);

  double rate_;
  std::uint64_t daily_max_;
  std::int64_t interval_ns_ = 0;   // one token
  std::int64_t tolerance_ns_ = 0;  // the bucket's depth less one token
  // GCRA's theoretical arrival time (ns on the steady clock): the bucket is
  // full when it lies in the past. One word: a compare-and-swap updates it.
  std::atomic<std::int64_t> tat_{std::numeric_limits<std::int64_t>::min() / 2};
  // Per slot: the quarter-hour's number (24 bits, modulo) and its count (40 bits).
  std::array<std::atomic<std::uint64_t>, slots> daily_{};
  std::atomic<std::uint64_t> others_{0};
};

}  // namespace mfrelay::relay
