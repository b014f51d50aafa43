#include "relay/events/output_trouble.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace mfrelay::relay {

void output_trouble::failed(std::string_view what, int error) noexcept {
  failures_.fetch_add(1);
  failures_in_outage_.fetch_add(1);
  if (failing_.exchange(true)) return;
  try {
    spdlog::error("event output {}: {}{}{}; {}", output_, what, error ? ": " : "", error ? std::strerror(error) : "",
                  consequence_);
  } catch (...) {  // the operational log is best effort too
  }
}

void output_trouble::recovered() noexcept {
  if (!failing_.load(std::memory_order_relaxed) || !failing_.exchange(false)) return;
  try {
    spdlog::info("event output {} works again ({} failures meanwhile)", output_, failures_in_outage_.exchange(0));
  } catch (...) {
  }
}

}  // namespace mfrelay::relay
