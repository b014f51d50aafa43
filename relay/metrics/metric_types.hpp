// The three Prometheus metric kinds mfrelay exposes, thread-safe and cheap to
// update from any session or worker: a counter family with labels, a gauge
// family filled at scrape time, and a histogram with fixed buckets. Rendered
// in the Prometheus text exposition format (version 0.0.4). No untrusted
// input reaches a label except values mfrelay chose (reasons, outcomes).
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace mfrelay::relay {

class counter_family {
 public:
  counter_family(std::string name, std::string help, std::vector<std::string> label_names);
  void add(const std::vector<std::string>& label_values, std::uint64_t n = 1);
  std::uint64_t value(const std::vector<std::string>& label_values) const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::uint64_t> values_;
};

// A gauge or counter whose samples are computed when scraped.
struct sample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};
void render_family(std::string& out, const std::string& name, const std::string& help, const std::string& type,
                   const std::vector<sample>& samples);

class histogram {
 public:
  // `bounds`: upper bounds in seconds, ascending (the +Inf bucket is implicit).
  histogram(std::string name, std::string help, std::vector<double> bounds);
  void observe(double seconds);
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // cumulative at render time, per bucket here
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

// Label values escaped for the text format (backslash, double quote, newline).
std::string escape_label_value(const std::string& value);

}  // namespace mfrelay::relay
