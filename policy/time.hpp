// Time as policy/ sees it: values passed in by the caller, never read from a clock here.
// Any thread. No untrusted input.
#pragma once
#include <chrono>

namespace mfrelay::policy {

using duration = std::chrono::milliseconds;
using timestamp = std::chrono::sys_time<duration>;

}  // namespace mfrelay::policy
