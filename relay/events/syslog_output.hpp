// Events to syslog as RFC 5424 datagrams: "local" = the /dev/log unix datagram
// socket, "udp:HOST:PORT" = a collector (RFC 5426). Any thread. Sends never
// wait: a busy or absent syslog daemon costs events (logged once), not mail.
#pragma once
#include <sys/socket.h>

#include <chrono>
#include <mutex>
#include <string>

#include "policy/host_port.hpp"
#include "relay/events/event_output.hpp"
#include "relay/events/output_trouble.hpp"
#include "relay/events/syslog_message.hpp"

namespace mfrelay::relay {

struct syslog_settings {
  std::string target;                     // "local" | "udp:HOST:PORT" ([events] syslog)
  std::string local_socket = "/dev/log";  // where "local" sends
  syslog_header header;                   // hostname and procid as they should appear
  std::chrono::milliseconds retry_after{5000};  // after a socket could not be made
};

class syslog_output final : public event_output {
 public:
  // Throws std::invalid_argument when `target` is neither form. A HOST name is
  // resolved here and on reopen() only (never on the event path); failing
  // that, or without a socket, events are lost, logged once, and retried.
  explicit syslog_output(syslog_settings settings);
  ~syslog_output() override;
  syslog_output(const syslog_output&) = delete;
  syslog_output& operator=(const syslog_output&) = delete;

  void write(std::string_view json, std::string_view event_type) noexcept override;
  void reopen() noexcept override;

 private:
  using clock = std::chrono::steady_clock;

  // 0 or an errno (EAI errors become EHOSTUNREACH). `resolve`: may ask DNS.
  int open_locked(bool resolve) noexcept;

  syslog_settings settings_;
  bool local_ = true;
  policy::host_port collector_;
  std::mutex mutex_;
  int fd_ = -1;
  sockaddr_storage address_{};
  socklen_t address_size_ = 0;
  clock::time_point retry_at_{};
  output_trouble trouble_;
};

}  // namespace mfrelay::relay
