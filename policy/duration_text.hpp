// Durations as written in configuration: "72h", "5m", "30s", "250ms", "1h30m", "3d".
// Pure, any thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "policy/time.hpp"

namespace mfrelay::policy {

std::optional<duration> parse_duration(std::string_view text);

// The shortest exact spelling with hours as the largest unit:
// 259200000 ms -> "72h", 1500 ms -> "1s500ms".
std::string format_duration(duration d);

}  // namespace mfrelay::policy
