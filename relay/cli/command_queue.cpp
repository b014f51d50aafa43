// `mfrelay queue [list | flush | delete ID]`: the running daemon's delivery
// queue through its admin API (GET /v1/queue, POST /v1/queue/flush,
// DELETE /v1/queue/ID). Main thread only.
#include <boost/json.hpp>
#include <iostream>

#include "policy/message_id.hpp"
#include "relay/cli/command.hpp"
#include "relay/cli/daemon_client.hpp"

namespace mfrelay::relay {
namespace {

std::string age_text(std::int64_t seconds) {
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < 7200) return std::to_string(seconds / 60) + "m";
  if (seconds < 172800) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

int list(const policy::config& cfg, const std::string& format) {
  daemon_answer answer = call_daemon(cfg, "GET", "/v1/queue");
  if (!answer.json || !answer.json->is_array()) {
    std::cerr << "mfrelay queue: " << (answer.json ? "the daemon's answer is not a list" : answer.error) << '\n';
    return exit_failed;
  }
  const auto& rows = answer.json->as_array();
  if (format == "json") {
    std::cout << boost::json::serialize(rows) << '\n';
    return exit_ok;
  }
  // By destination, then as the daemon ordered them (oldest first).
  std::map<std::string, std::vector<const boost::json::object*>> by_destination;
  for (const auto& r : rows) by_destination[table_cell(r.as_object().at("destination"))].push_back(&r.as_object());
  for (const auto& [destination, messages] : by_destination) {
    std::cout << destination << ": " << messages.size() << (messages.size() == 1 ? " message\n" : " messages\n");
    for (const auto* m : messages) {
      std::string recipients;
      for (const auto& r : m->at("recipients").as_array()) recipients += (recipients.empty() ? "" : ",") + table_cell(r);
      std::cout << "  " << table_cell(m->at("id")) << "  age " << age_text(m->at("ageSeconds").to_number<std::int64_t>())
                << "  attempts " << table_cell(m->at("attempts")) << "  from <" << table_cell(m->at("sender")) << "> to "
                << recipients;
      if (m->at("inFlight").as_bool()) std::cout << "  (being delivered)";
      std::cout << '\n';
      if (!m->at("lastError").is_null()) std::cout << "    last error: " << table_cell(m->at("lastError")) << '\n';
      if (!m->at("nextAttempt").is_null()) std::cout << "    next attempt: " << table_cell(m->at("nextAttempt")) << '\n';
    }
  }
  if (rows.empty()) std::cout << "the queue is empty\n";
  return exit_ok;
}

int run(const cli_args& args) {
  std::string format = args.value("format", "table");
  if (format != "table" && format != "json") {
    std::cerr << "mfrelay queue: --format must be table or json\n";
    return exit_usage;
  }
  const auto& p = args.positional;
  std::string action = p.empty() ? "list" : p[0];
  bool usage_ok = (action == "list" && p.size() <= 1) || (action == "flush" && p.size() == 1) ||
                  (action == "delete" && p.size() == 2);
  if (!usage_ok) {
    std::cerr << "mfrelay queue: unknown or incomplete action\n\n" << queue_command.help;
    return exit_usage;
  }
  if (action == "delete" && !policy::is_message_id(p[1])) {
    std::cerr << "mfrelay queue: '" << p[1] << "' is not a message id\n";
    return exit_usage;
  }
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_failed;
  if (action == "list") return list(*cfg, format);
  daemon_answer answer = action == "flush" ? call_daemon(*cfg, "POST", "/v1/queue/flush")
                                           : call_daemon(*cfg, "DELETE", "/v1/queue/" + p[1]);
  if (!answer.json) {
    std::cerr << "mfrelay queue " << action << ": " << answer.error << '\n';
    return exit_failed;
  }
  if (format == "json") {
    std::cout << boost::json::serialize(*answer.json) << '\n';
  } else if (action == "flush") {
    std::cout << table_cell(answer.json->as_object().at("flushed")) << " messages are being retried now\n";
  } else {
    std::cout << "deleted " << p[1] << " (not delivered, no bounce sent)\n";
  }
  return exit_ok;
}

}  // namespace

const command queue_command{
    "queue", "list, flush or delete messages in the running daemon's delivery queue",
    "usage: mfrelay queue [list] [--format table|json] [-c CONFIG]\n"
    "       mfrelay queue flush [-c CONFIG]\n"
    "       mfrelay queue delete ID [-c CONFIG]\n\n"
    "list (the default) prints every queued message by destination, oldest\n"
    "first, with its age, attempts, recipients left, last error and next attempt.\n"
    "JSON is an array of objects with keys id, sender, recipients, destination,\n"
    "receivedAt, ageSeconds, attempts, lastError, nextAttempt, inFlight.\n"
    "flush retries every waiting message now. delete drops one message from the\n"
    "queue and the spool: it is not delivered and no bounce is sent. All three ask\n"
    "the running daemon (admin API, first [[admin.key]]).\n",
    {{"format", 'f', true}},
    run};

}  // namespace mfrelay::relay
