#include "policy/duration_text.hpp"

#include <charconv>
#include <cstdint>

namespace mfrelay::policy {
namespace {

struct unit {
  std::string_view suffix;
  std::int64_t ms;
};
// "ms" before "m" so the longer suffix wins.
constexpr unit units[] = {{"ms", 1}, {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}};

}  // namespace

std::optional<duration> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  while (!text.empty()) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end == text.data() || value < 0) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    const unit* found = nullptr;
    for (const auto& u : units) {
      if (text.starts_with(u.suffix)) {
        found = &u;
        break;
      }
    }
    if (!found) return std::nullopt;
    if (value > (INT64_MAX - total) / found->ms) return std::nullopt;
    total += value * found->ms;
    text.remove_prefix(found->suffix.size());
  }
  return duration{total};
}

std::string format_duration(duration d) {
  std::int64_t left = d.count();
  if (left == 0) return "0s";
  std::string out;
  // Hours are the largest unit written back, as configuration writes them ("72h", "120h").
  for (std::string_view suffix : {"h", "m", "s", "ms"}) {
    for (const auto& u : units) {
      if (u.suffix != suffix) continue;
      if (left >= u.ms) {
        out += std::to_string(left / u.ms);
        out += suffix;
        left %= u.ms;
      }
    }
  }
  return out;
}

}  // namespace mfrelay::policy
