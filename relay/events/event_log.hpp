// The SIEM event stream: one JSON object per event, to a file (a line each,
// reopened for logrotate, rotated by size), standard output, and/or syslog
// (RFC 5424). Any thread; write() never throws and never waits on a peer.
// Events never carry secrets: callers build them from decisions, not raw input.
#pragma once
#include <boost/json/object.hpp>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "policy/config.hpp"
#include "relay/events/event_output.hpp"

namespace mfrelay::relay {

struct event_log_options {
  std::string syslog_socket = "/dev/log";  // where syslog = "local" sends (tests use their own)
  std::string hostname;                    // syslog HOSTNAME; "" = gethostname()
};

class event_log {
 public:
  // A file only; "-" = standard output. Creates missing parent folders. Throws on failure.
  explicit event_log(std::string path);
  // [events]: file ("-" = standard output, "" = none), size rotation, syslog.
  // Throws when the file cannot be opened or the syslog setting is malformed;
  // an unreachable syslog is not an error (it is logged and retried).
  explicit event_log(const policy::events_settings& settings, event_log_options options = {});
  // Given outputs (tests, or a caller assembling its own).
  explicit event_log(std::vector<std::unique_ptr<event_output>> outputs);
  ~event_log();
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;

  // To every output. Never throws: an output that fails says so once in the operational log.
  void write(const boost::json::object& event) noexcept;
  // Several at once, in order: a file gets them in one system call (a group
  // commit's status changes, say).
  void write_all(std::span<const boost::json::object> events) noexcept;

  // Opens the file again (after logrotate moved it away: SIGUSR1) and retries failed outputs.
  void reopen() noexcept;

  const std::string& path() const { return path_; }  // the file, "-", or "" without one

 private:
  std::string path_;
  std::vector<std::unique_ptr<event_output>> outputs_;
};

}  // namespace mfrelay::relay
