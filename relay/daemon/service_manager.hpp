// Tells the service manager (systemd, Type=notify) what the daemon is doing:
// READY=1 once it serves, RELOADING=1 / READY=1 around a reload, STOPPING=1 at
// shutdown, and WATCHDOG=1 pings while the I/O loop runs. Without NOTIFY_SOCKET
// (run by hand, by the tests) every call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace mfrelay::relay {

class service_manager {
 public:
  void ready(std::string_view status) const;
  void reloading() const;
  void stopping() const;
  void watchdog_ping() const;

  // How often to ping: half of WatchdogSec, as sd_watchdog_enabled(3) advises;
  // nothing when the manager did not ask for pings.
  static std::optional<std::chrono::microseconds> watchdog_interval();
};

}  // namespace mfrelay::relay
