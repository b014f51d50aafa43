#include "relay/common/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace mfrelay::relay {

std::string iso8601(policy::timestamp t) {
  auto ms = t.time_since_epoch().count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[96];  // ample for any int fields the compiler can imagine
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buffer;
}

std::string rfc5322_date(policy::timestamp t) {
  std::time_t seconds = static_cast<std::time_t>(t.time_since_epoch().count() / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);  // C locale names
  return buffer;
}

policy::timestamp now() {
  return std::chrono::time_point_cast<policy::duration>(std::chrono::system_clock::now());
}

}  // namespace mfrelay::relay
