// `mfrelay suppression [list | add ADDRESS --reason BOUNCE|COMPLAINT | remove ADDRESS]`:
// the account-level suppression list through the running daemon's admin API
// (the SESv2 routes under /v2/email/suppression/addresses). Main thread only.
#include <boost/json.hpp>
#include <iostream>

#include "relay/admin/uri_encoding.hpp"
#include "relay/cli/command.hpp"
#include "relay/cli/daemon_client.hpp"
#include "relay/common/clock.hpp"
#include "relay/feedback/suppression_list.hpp"

namespace mfrelay::relay {
namespace {

namespace json = boost::json;

std::string when(const json::value& seconds) {
  if (!seconds.is_number()) return table_cell(seconds);
  return iso8601(policy::timestamp{policy::duration{static_cast<std::int64_t>(seconds.to_number<double>() * 1000)}});
}

int list(const policy::config& cfg, const std::string& format, const std::string& reason) {
  json::array all;
  std::string token;
  for (int page = 0; page < 100000; ++page) {  // bounded: 1000 per page
    std::string target = "/v2/email/suppression/addresses?PageSize=1000";
    if (!reason.empty()) target += "&Reason=" + uri_encode(reason);
    if (!token.empty()) target += "&NextToken=" + uri_encode(token);
    daemon_answer answer = call_daemon(cfg, "GET", target);
    if (!answer.json || !answer.json->is_object()) {
      std::cerr << "mfrelay suppression: " << (answer.json ? "the daemon's answer is not an object" : answer.error)
                << '\n';
      return exit_failed;
    }
    const auto& o = answer.json->as_object();
    for (const auto& item : o.at("SuppressedDestinationSummaries").as_array()) all.push_back(item);
    const json::value* next = o.if_contains("NextToken");
    if (!next || !next->is_string()) break;
    token = std::string(next->as_string());
  }
  if (format == "json") {
    std::cout << json::serialize(all) << '\n';
    return exit_ok;
  }
  for (const auto& item : all) {
    const auto& o = item.as_object();
    std::cout << table_cell(o.at("EmailAddress")) << "  " << table_cell(o.at("Reason")) << "  "
              << when(o.at("LastUpdateTime")) << '\n';
  }
  if (all.empty()) std::cout << "the suppression list is empty\n";
  return exit_ok;
}

int run(const cli_args& args) {
  std::string format = args.value("format", "table");
  if (format != "table" && format != "json") {
    std::cerr << "mfrelay suppression: --format must be table or json\n";
    return exit_usage;
  }
  std::string reason = args.value("reason");
  const auto& p = args.positional;
  std::string action = p.empty() ? "list" : p[0];
  bool usage_ok = (action == "list" && p.size() <= 1) || (action == "add" && p.size() == 2 && !reason.empty()) ||
                  (action == "remove" && p.size() == 2);
  if (!usage_ok) {
    std::cerr << "mfrelay suppression: unknown or incomplete action\n\n" << suppression_command.help;
    return exit_usage;
  }
  if (!reason.empty() && !parse_suppression_reason(reason)) {
    std::cerr << "mfrelay suppression: --reason must be BOUNCE or COMPLAINT, not '" << reason << "'\n";
    return exit_usage;
  }
  if (action != "list" && !suppression_list::canonical(p[1])) {
    std::cerr << "mfrelay suppression: '" << p[1] << "' is not an email address\n";
    return exit_usage;
  }
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_failed;
  if (action == "list") return list(*cfg, format, reason);
  daemon_answer answer =
      action == "add"
          ? call_daemon(*cfg, "PUT", "/v2/email/suppression/addresses",
                        json::serialize(json::object{{"EmailAddress", p[1]}, {"Reason", reason}}))
          : call_daemon(*cfg, "DELETE", "/v2/email/suppression/addresses/" + uri_encode(p[1]));
  if (!answer.json) {
    std::cerr << "mfrelay suppression " << action << ": " << answer.error << '\n';
    return exit_failed;
  }
  std::cout << (action == "add" ? "added " : "removed ") << p[1] << (action == "add" ? " (" + reason + ")" : "")
            << '\n';
  return exit_ok;
}

}  // namespace

const command suppression_command{
    "suppression", "list, add or remove addresses on the account-level suppression list",
    "usage: mfrelay suppression [list] [--reason BOUNCE|COMPLAINT] [--format table|json] [-c CONFIG]\n"
    "       mfrelay suppression add ADDRESS --reason BOUNCE|COMPLAINT [-c CONFIG]\n"
    "       mfrelay suppression remove ADDRESS [-c CONFIG]\n\n"
    "list (the default) prints every suppressed address with its reason and the\n"
    "time it was last put there (JSON: SESv2's SuppressedDestinationSummaries).\n"
    "A message to a suppressed address is accepted but not delivered to it: it\n"
    "bounces (OnAccountSuppressionList). add and remove change the list. All\n"
    "three ask the running daemon (admin API, first [[admin.key]]).\n",
    {{"format", 'f', true}, {"reason", 'r', true}},
    run};

}  // namespace mfrelay::relay
