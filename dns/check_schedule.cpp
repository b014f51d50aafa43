#include "dns/check_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace mfrelay::dns {
namespace {

using policy::duration;

double clamp_jitter(double jitter) { return std::isfinite(jitter) ? std::clamp(jitter, 0.0, 0.5) : 0.0; }
double clamp_unit(double unit) { return std::isfinite(unit) ? std::clamp(unit, 0.0, 1.0) : 0.0; }

duration scaled(duration d, double factor) {
  return duration(static_cast<duration::rep>(std::llround(static_cast<double>(d.count()) * factor)));
}

}  // namespace

duration jittered(duration d, double jitter, double unit) {
  double j = clamp_jitter(jitter);
  return scaled(d, 1.0 - j + 2.0 * j * clamp_unit(unit));
}

std::optional<duration> regular_interval(const check_intervals& in, policy::mail_from_status status) {
  switch (status) {
    case policy::mail_from_status::pending:
    case policy::mail_from_status::temporary_failure: return in.pending;
    case policy::mail_from_status::success: return in.success;
    case policy::mail_from_status::failed: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<duration> interval_after(const check_intervals& in, const policy::transition& t, double unit) {
  std::optional<duration> base;
  switch (t.next) {
    case policy::next_check::regular: base = regular_interval(in, t.state.status); break;
    case policy::next_check::soon: base = in.retry; break;
    case policy::next_check::never: break;
  }
  if (!base) return std::nullopt;
  return std::max(duration::zero(), jittered(*base, in.jitter, unit));
}

std::optional<duration> first_delay(const check_intervals& in, const policy::verification_state& state,
                                    std::optional<policy::timestamp> last_check, policy::timestamp now,
                                    double unit) {
  auto interval = regular_interval(in, state.status);
  if (!interval) return std::nullopt;
  if (last_check) {
    auto due = *last_check + jittered(*interval, in.jitter, unit);
    if (due > now) return due - now;
  }
  return std::max(duration::zero(), scaled(in.retry, clamp_jitter(in.jitter) * clamp_unit(unit)));
}

bool starts_in_window(const check_intervals& in, const policy::verification_state& state,
                      std::optional<policy::timestamp> last_check, policy::timestamp now) {
  auto interval = regular_interval(in, state.status);
  return interval && (!last_check || *last_check + *interval <= now);
}

}  // namespace mfrelay::dns
