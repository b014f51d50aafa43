// The fixed instants the state and verification tests count from, so that dates in
// their expectations never depend on the clocks: t0 is 2023-11-14T22:13:20Z, w0 the
// quarter-hour after it (22:15:00, where the sending counters' windows start), m0 a
// steady-clock instant for the sending quota's rate bucket.
#pragma once
#include <chrono>

#include "policy/time.hpp"

namespace mfrelay::relay::test {

inline constexpr policy::timestamp t0{std::chrono::milliseconds(1'700'000'000'000)};
inline constexpr policy::timestamp t1 = t0 + std::chrono::hours(1);
inline constexpr policy::timestamp w0 = t0 + std::chrono::seconds(100);
inline constexpr std::chrono::steady_clock::time_point m0{std::chrono::seconds(1000)};

}  // namespace mfrelay::relay::test
