// A syslog collector for tests: a datagram socket bound to 127.0.0.1 on an
// ephemeral UDP port, or to a unix socket path, returning what arrives.
#pragma once
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>

namespace mfrelay::relay::test {

class datagram_receiver {
 public:
  // UDP on 127.0.0.1, port chosen by the kernel.
  datagram_receiver() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t size = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &size) == 0);
    port_ = ntohs(a.sin_port);
  }
  // A unix datagram socket at `path` (like /dev/log).
  explicit datagram_receiver(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof a.sun_path);
    std::memcpy(a.sun_path, path.data(), path.size());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~datagram_receiver() {
    ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  datagram_receiver(const datagram_receiver&) = delete;
  datagram_receiver& operator=(const datagram_receiver&) = delete;

  unsigned short port() const { return port_; }

  // The next datagram, or nullopt when none arrives in time.
  std::optional<std::string> receive(std::chrono::milliseconds wait = std::chrono::seconds(5)) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return std::nullopt;
    std::string buffer(70000, '\0');
    ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n < 0) return std::nullopt;
    buffer.resize(static_cast<std::size_t>(n));
    return buffer;
  }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
  std::string path_;
};

}  // namespace mfrelay::relay::test
