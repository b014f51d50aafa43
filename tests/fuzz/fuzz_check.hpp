// Shared by the libFuzzer harnesses in tests/fuzz/: an invariant check that
// works with NDEBUG and tells what broke before it aborts (libFuzzer then
// keeps the input as a crash). Test code only, single-threaded.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace mfrelay::fuzz {

[[noreturn]] inline void invariant_failed(const char* expr, const char* file, int line, std::string_view detail) {
  std::fprintf(stderr, "\n%s:%d: invariant failed: %s\n", file, line, expr);
  if (!detail.empty()) {
    std::string shown;
    for (char ch : detail.substr(0, 2000)) {
      auto c = static_cast<unsigned char>(ch);
      if (c == '\r') shown += "\\r";
      else if (c == '\n') shown += "\\n";
      else if (c < 0x20 || c >= 0x7f) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", c);
        shown += hex;
      } else {
        shown += ch;
      }
    }
    std::fprintf(stderr, "  detail: %s\n", shown.c_str());
  }
  std::abort();
}

}  // namespace mfrelay::fuzz

#define FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::mfrelay::fuzz::invariant_failed(#cond, __FILE__, __LINE__, {}))
#define FUZZ_CHECK_MSG(cond, detail) \
  ((cond) ? static_cast<void>(0) : ::mfrelay::fuzz::invariant_failed(#cond, __FILE__, __LINE__, (detail)))
