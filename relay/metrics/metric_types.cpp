#include "relay/metrics/metric_types.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace mfrelay::relay {
namespace {

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buffer[64];
  // Whole numbers as integers: "10", as Prometheus clients write them (a query's
  // le="10" must match), not %g's equally short "1e+01".
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", v);
    return buffer;
  }
  // The shortest text that reads back as the same double: "0.005", not "0.0050000000000000001".
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, v);
    if (std::strtod(buffer, nullptr) == v) break;
  }
  return buffer;
}

void header(std::string& out, const std::string& name, const std::string& help, const std::string& type) {
  out += "# HELP " + name + ' ' + help + '\n';
  out += "# TYPE " + name + ' ' + type + '\n';
}

std::string label_text(const std::vector<std::pair<std::string, std::string>>& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
  }
  return out + '}';
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

counter_family::counter_family(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void counter_family::add(const std::vector<std::string>& label_values, std::uint64_t n) {
  std::lock_guard lock(mutex_);
  values_[label_values] += n;
}

std::uint64_t counter_family::value(const std::vector<std::string>& label_values) const {
  std::lock_guard lock(mutex_);
  auto found = values_.find(label_values);
  return found == values_.end() ? 0 : found->second;
}

void counter_family::render(std::string& out) const {
  header(out, name_, help_, "counter");
  std::lock_guard lock(mutex_);
  for (const auto& [values, count] : values_) {
    std::vector<std::pair<std::string, std::string>> labels;
    for (std::size_t i = 0; i < label_names_.size() && i < values.size(); ++i) labels.emplace_back(label_names_[i], values[i]);
    out += name_ + label_text(labels) + ' ' + std::to_string(count) + '\n';
  }
}

void render_family(std::string& out, const std::string& name, const std::string& help, const std::string& type,
                   const std::vector<sample>& samples) {
  header(out, name, help, type);
  for (const auto& s : samples) out += name + label_text(s.labels) + ' ' + number(s.value) + '\n';
}

histogram::histogram(std::string name, std::string help, std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), bounds_(std::move(bounds)), buckets_(bounds_.size()) {}

void histogram::observe(double seconds) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (seconds <= bounds_[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(std::max(0.0, seconds) * 1e6), std::memory_order_relaxed);
}

void histogram::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += name_ + "_bucket{le=\"" + number(bounds_[i]) + "\"} " + std::to_string(cumulative) + '\n';
  }
  std::uint64_t count = count_.load(std::memory_order_relaxed);
  out += name_ + "_bucket{le=\"+Inf\"} " + std::to_string(count) + '\n';
  out += name_ + "_sum " + number(static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6) + '\n';
  out += name_ + "_count " + std::to_string(count) + '\n';
}

}  // namespace mfrelay::relay
