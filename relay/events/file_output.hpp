// Event lines appended (O_APPEND) to a file, reopened on demand for logrotate
// and, when max_bytes > 0, rotated by size to <file>.1 ... <file>.<keep_files>.
// Any thread: one mutex orders writers and rotation within the process.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "relay/events/event_output.hpp"
#include "relay/events/line_writer.hpp"
#include "relay/events/output_trouble.hpp"

namespace mfrelay::relay {

struct file_output_settings {
  std::string path;
  std::uint64_t max_bytes = 0;   // rotate before a line would pass it; 0 = never (logrotate)
  std::uint32_t keep_files = 5;  // rotated files kept; 0 = the full file is deleted
  std::chrono::milliseconds retry_after{5000};  // after a failed open or rotation
};

class file_output final : public event_output {
 public:
  // Creates missing parent folders and opens the file. Throws std::runtime_error
  // when it cannot: at startup that is a configuration error the operator must see.
  // Later failures lose events, are logged once, and are retried.
  explicit file_output(file_output_settings settings);
  ~file_output() override;
  file_output(const file_output&) = delete;
  file_output& operator=(const file_output&) = delete;

  void write(std::string_view json, std::string_view event_type) noexcept override;
  void write_all(std::span<const event_line> lines) noexcept override;
  void reopen() noexcept override;

 private:
  using clock = std::chrono::steady_clock;

  int open_locked() noexcept;  // 0 or errno; keeps the old descriptor on failure
  void rotate_locked() noexcept;
  void append_locked(std::span<const event_line> lines) noexcept;  // in one writev where it can

  file_output_settings settings_;
  std::mutex mutex_;
  int fd_ = -1;
  std::uint64_t size_ = 0;  // of the open file, as far as this process knows
  bool regular_ = false;    // a regular file (no SIGPIPE possible), not a FIFO someone pointed us at
  bool reopen_pending_ = false;  // the last open failed: retry from write() after retry_open_at_
  clock::time_point retry_open_at_{};
  clock::time_point retry_rotation_at_{};
  line_writer writer_;
  output_trouble trouble_;         // writes: each failure is an event lost
  output_trouble reopen_trouble_;  // reopen and rotation: events still reach the file already open
};

}  // namespace mfrelay::relay
