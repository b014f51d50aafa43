// The SIEM event stream: one JSON object per line, appended to a file or
// written to standard output. Any thread (a mutex orders the lines). Events
// never carry secrets: callers build them from decisions, not from raw input.
#pragma once
#include <boost/json/object.hpp>

#include <mutex>
#include <string>

namespace mfrelay::relay {

class event_log {
 public:
  // "-" = standard output. Creates missing parent folders. Throws on failure.
  explicit event_log(std::string path);
  ~event_log();
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;

  void write(const boost::json::object& event);

  // Opens the path again (after logrotate moved the file away).
  void reopen();

  const std::string& path() const { return path_; }

 private:
  void open_locked();

  std::string path_;
  std::mutex mutex_;
  int fd_ = -1;
};

}  // namespace mfrelay::relay
