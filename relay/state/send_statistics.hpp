// GetSendStatistics's numbers: per 15-minute bucket, the delivery attempts,
// bounces, complaints and rejects of the last two weeks, in memory
// (send_counters_store saves them and puts them back at the next start). Fed by the delivery queue's observer (one strand) and the
// feedback path; read by the admin API. Any thread; a mutex guards the map,
// held for a map update only, never on the SMTP path. No untrusted input.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "policy/time.hpp"

namespace mfrelay::relay {

struct send_data_point {
  policy::timestamp timestamp{};  // the bucket's start
  std::uint64_t delivery_attempts = 0, bounces = 0, complaints = 0, rejects = 0;
  friend bool operator==(const send_data_point&, const send_data_point&) = default;
};

class send_statistics {
 public:
  void add_delivery_attempts(std::uint64_t n, policy::timestamp at) { add(at, n, 0, 0, 0); }
  void add_bounces(std::uint64_t n, policy::timestamp at) { add(at, 0, n, 0, 0); }
  void add_complaints(std::uint64_t n, policy::timestamp at) { add(at, 0, 0, n, 0); }
  void add_rejects(std::uint64_t n, policy::timestamp at) { add(at, 0, 0, 0, n); }
  // Adds a saved bucket back (at startup); one older than two weeks goes at the next add().
  void restore(const send_data_point& saved) {
    add(saved.timestamp, saved.delivery_attempts, saved.bounces, saved.complaints, saved.rejects);
  }

  // The buckets of the two weeks up to `now` that saw anything, oldest first.
  std::vector<send_data_point> points(policy::timestamp now) const;

 private:
  void add(policy::timestamp at, std::uint64_t attempts, std::uint64_t bounces, std::uint64_t complaints,
           std::uint64_t rejects);

  mutable std::mutex lock_;
  std::map<std::int64_t, send_data_point> buckets_;  // quarter-hour number -> counts
};

}  // namespace mfrelay::relay
