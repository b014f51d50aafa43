#include "relay/events/event_log.hpp"

#include <unistd.h>

#include <array>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "relay/events/fd_output.hpp"
#include "relay/events/file_output.hpp"
#include "relay/events/syslog_output.hpp"

namespace mfrelay::relay {
namespace {

// `event` serialized as `json`, with its eventType.
event_line line_of(const std::string& json, const boost::json::object& event) {
  std::string_view type;
  if (const auto* t = event.if_contains("eventType"); t && t->is_string()) type = t->get_string();
  return {json, type};
}

void report_lost(const std::exception& e) noexcept {  // serialising ran out of memory
  try {
    spdlog::error("event not written: {}", e.what());
  } catch (...) {
  }
}

std::string host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return {};
  return name.data();
}

std::vector<std::unique_ptr<event_output>> outputs_for(const policy::events_settings& s,
                                                       const event_log_options& options) {
  std::vector<std::unique_ptr<event_output>> out;
  if (s.file == "-") {
    out.push_back(std::make_unique<fd_output>(STDOUT_FILENO, "standard output"));
  } else if (!s.file.empty()) {
    out.push_back(std::make_unique<file_output>(
        file_output_settings{.path = s.file, .max_bytes = s.max_file_bytes, .keep_files = s.keep_files}));
  }
  if (!s.syslog.empty()) {
    syslog_settings sys;
    sys.target = s.syslog;
    sys.local_socket = options.syslog_socket;
    sys.header.hostname = options.hostname.empty() ? host_name() : options.hostname;
    sys.header.procid = std::to_string(::getpid());
    out.push_back(std::make_unique<syslog_output>(std::move(sys)));
  }
  return out;
}

policy::events_settings file_only(std::string path) {
  policy::events_settings s;
  s.file = std::move(path);
  s.max_file_bytes = 0;
  s.syslog.clear();
  return s;
}

}  // namespace

event_log::event_log(std::string path) : event_log(file_only(std::move(path))) {}

event_log::event_log(const policy::events_settings& settings, event_log_options options)
    : path_(settings.file), outputs_(outputs_for(settings, options)) {}

event_log::event_log(std::vector<std::unique_ptr<event_output>> outputs) : outputs_(std::move(outputs)) {}

event_log::~event_log() = default;

// One event (each message's, on the SMTP path): no vectors to hold it.
void event_log::write(const boost::json::object& event) noexcept {
  try {
    const std::string json = boost::json::serialize(event);
    const event_line line = line_of(json, event);
    for (auto& output : outputs_) output->write_all({&line, 1});
  } catch (const std::exception& e) {
    report_lost(e);
  }
}

void event_log::write_all(std::span<const boost::json::object> events) noexcept {
  try {
    std::vector<std::string> json;
    std::vector<event_line> lines;
    json.reserve(events.size());
    lines.reserve(events.size());
    for (const auto& event : events) lines.push_back(line_of(json.emplace_back(boost::json::serialize(event)), event));
    if (!lines.empty())
      for (auto& output : outputs_) output->write_all(lines);
  } catch (const std::exception& e) {
    report_lost(e);
  }
}

void event_log::reopen() noexcept {
  for (auto& output : outputs_) output->reopen();
}

}  // namespace mfrelay::relay
