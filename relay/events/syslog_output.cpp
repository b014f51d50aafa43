#include "relay/events/syslog_output.hpp"

#include <netdb.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "relay/common/clock.hpp"

namespace mfrelay::relay {

syslog_output::syslog_output(syslog_settings settings)
    : settings_(std::move(settings)), trouble_("syslog " + settings_.target) {
  if (settings_.target == "local") {
    local_ = true;
  } else if (auto hp = settings_.target.starts_with("udp:") ? policy::parse_host_port(settings_.target.substr(4))
                                                            : std::nullopt) {
    local_ = false;
    collector_ = *hp;
  } else {
    throw std::invalid_argument("syslog must be \"local\" or \"udp:HOST:PORT\", not \"" + settings_.target + '"');
  }
  std::lock_guard lock(mutex_);
  if (int error = open_locked(true)) trouble_.failed("open", error);
}

syslog_output::~syslog_output() {
  if (fd_ >= 0) ::close(fd_);
}

int syslog_output::open_locked(bool resolve) noexcept {
  sockaddr_storage address{};
  socklen_t size = 0;
  if (local_) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (settings_.local_socket.size() >= sizeof un.sun_path) return ENAMETOOLONG;
    std::memcpy(un.sun_path, settings_.local_socket.data(), settings_.local_socket.size());
    std::memcpy(&address, &un, sizeof un);
    size = static_cast<socklen_t>(sizeof un);
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV | (resolve ? 0 : AI_NUMERICHOST);
    addrinfo* found = nullptr;
    const std::string port = std::to_string(collector_.port);
    if (::getaddrinfo(collector_.host.c_str(), port.c_str(), &hints, &found) != 0 || !found) {
      retry_at_ = clock::now() + settings_.retry_after;
      return EHOSTUNREACH;
    }
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    size = found->ai_addrlen;
    ::freeaddrinfo(found);
  }
  int fd = ::socket(address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    retry_at_ = clock::now() + settings_.retry_after;
    return errno;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  address_ = address;
  address_size_ = size;
  return 0;
}

void syslog_output::reopen() noexcept {
  std::lock_guard lock(mutex_);
  if (int error = open_locked(true)) trouble_.failed("reopen", error);
}

void syslog_output::write(std::string_view json, std::string_view event_type) noexcept {
  std::string message;
  try {
    message = rfc5424_message(settings_.header, now(), event_type, event_severity(event_type), json);
  } catch (const std::bad_alloc&) {
    trouble_.failed("format", ENOMEM);
    return;
  }
  std::lock_guard lock(mutex_);
  if (fd_ < 0) {
    int error = clock::now() < retry_at_ ? ENOTCONN : open_locked(false);
    if (error) {
      trouble_.failed("open", error);
      return;
    }
  }
  // Unconnected: each datagram goes to the address, so a syslog daemon that
  // restarted (a new socket at /dev/log) is found again without reconnecting.
  for (;;) {
    ssize_t n = ::sendto(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                         reinterpret_cast<const sockaddr*>(&address_), address_size_);
    if (n >= 0) {
      trouble_.recovered();
      return;
    }
    if (errno == EINTR) continue;
    trouble_.failed("send", errno);
    return;
  }
}

}  // namespace mfrelay::relay
