#include "relay/daemon/service_manager.hpp"

#include <string>
#include <systemd/sd-daemon.h>
#include <time.h>

namespace mfrelay::relay {
namespace {

void notify(const std::string& state) { sd_notify(0, state.c_str()); }

std::uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

void service_manager::ready(std::string_view status) const {
  notify("READY=1\nSTATUS=" + std::string(status));
}

// MONOTONIC_USEC lets systemd 253 and later (Type=notify-reload) tell this
// reload from an earlier one; older managers ignore it.
void service_manager::reloading() const {
  notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

void service_manager::stopping() const { notify("STOPPING=1\nSTATUS=draining"); }

void service_manager::watchdog_ping() const { notify("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> service_manager::watchdog_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

}  // namespace mfrelay::relay
