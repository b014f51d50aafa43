// Tells the operational log (spdlog) once that an event output fails, counts
// the failures meanwhile, and says once when it works again: a broken output
// must not flood the log it is the fallback for. Any thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace mfrelay::relay {

class output_trouble {
 public:
  // `consequence` says what a failure costs, for the log.
  explicit output_trouble(std::string output, std::string consequence = "events are lost until it works again")
      : output_(std::move(output)), consequence_(std::move(consequence)) {}

  // `what` failed (with errno `error`, when not 0); logged only on the first
  // failure since a success.
  void failed(std::string_view what, int error = 0) noexcept;
  // A success; logged (with the number of failures) only when it follows failures.
  void recovered() noexcept;

  bool failing() const noexcept { return failing_.load(); }
  std::uint64_t failures() const noexcept { return failures_.load(); }  // since start

 private:
  std::string output_;
  std::string consequence_;
  std::atomic<bool> failing_{false};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> failures_in_outage_{0};
};

}  // namespace mfrelay::relay
