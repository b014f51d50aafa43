// Per-destination gauges for /metrics: messages queued for each destination (a
// message with recipients at two destinations counts at both) and the delivery
// sessions open to it. Written on the delivery queue's strand, read by the
// metrics scrape on any thread (a mutex). Labels are destination labels:
// smarthost names, host:port, recipient domains (from SMTP clients: untrusted,
// but A-label domains, so safe as label values once escaped by the renderer).
#pragma once
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace mfrelay::relay {

struct destination_gauge {
  std::string destination;
  std::size_t queued = 0;
  std::size_t connections = 0;
};

class destination_gauges {
 public:
  // A destination whose counts both reach zero is forgotten.
  void add_queued(const std::string& destination, long delta);
  void add_connections(const std::string& destination, long delta);
  std::vector<destination_gauge> snapshot() const;  // by destination name

 private:
  void add(const std::string& destination, long delta, bool queued);
  mutable std::mutex mutex_;
  std::map<std::string, destination_gauge> gauges_;
};

}  // namespace mfrelay::relay
