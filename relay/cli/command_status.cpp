// `mfrelay status`: every identity, its MAIL FROM domain and live verification state.
#include <boost/json.hpp>
#include <iostream>

#include "relay/cli/command.hpp"
#include "relay/cli/daemon_client.hpp"
#include "relay/state/dmarc_json.hpp"
#include "relay/state/state_rows.hpp"
#include "relay/state/status_json.hpp"

namespace mfrelay::relay {
namespace {

int run(const cli_args& args) {
  std::string format = args.value("format", "table");
  if (format != "table" && format != "json") {
    std::cerr << "mfrelay status: --format must be table or json\n";
    return exit_usage;
  }
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_failed;
  // The running daemon first; without it, the state store it keeps.
  boost::json::array rows;
  daemon_answer answer = call_daemon(*cfg, "GET", "/v1/status");
  if (answer.json && answer.json->is_array()) {
    rows = answer.json->as_array();
  } else {
    auto stored = read_stored_states(*cfg);
    rows = status_json(*cfg, stored.value_or(std::vector<stored_state>{}));
    if (answer.reached) std::cerr << "note: " << answer.error << "; read " << state_db_path(*cfg) << " instead\n";
    if (!stored && format == "table")
      std::cerr << "note: " << state_db_path(*cfg) << " does not exist yet: `mfrelay serve` has not run\n";
  }
  // DKIM states from the store, where the daemon records them before it
  // uses them, unless the daemon's answer already carries them.
  add_dkim_json(rows, *cfg, read_stored_dkim_states(*cfg));

  if (format == "json") {
    std::cout << boost::json::serialize(rows) << '\n';
    return exit_ok;
  }
  static const char* columns[] = {"identity", "mailFromDomain", "status", "behaviorOnMxFailure",
                                  "since", "lastCheck", "spf", "dkim", "reason"};
  // The table shows DKIM's status only; JSON has its tokens, times and reason.
  for (auto& r : rows) {
    auto& o = r.as_object();
    if (const auto* d = o.if_contains("dkim"); d && d->is_object()) o["dkim"] = d->as_object().at("status");
  }
  std::vector<std::size_t> widths;
  for (const char* c : columns) widths.push_back(std::string_view(c).size());
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < widths.size(); ++i)
      widths[i] = std::max(widths[i], table_cell(r.as_object().at(columns[i])).size());
  }
  auto print = [&](auto cell) {
    for (std::size_t i = 0; i < widths.size(); ++i) {
      std::string text = cell(i);
      if (i + 1 < widths.size()) text.resize(widths[i] + 2, ' ');
      std::cout << text;
    }
    std::cout << '\n';
  };
  print([&](std::size_t i) { return std::string(columns[i]); });
  for (const auto& r : rows) print([&](std::size_t i) { return table_cell(r.as_object().at(columns[i])); });
  // The DMARC verdicts and warnings: a line each, under the table (too long for a column).
  bool first = true;
  for (const auto& r : rows) {
    const auto& o = r.as_object();
    const auto* d = o.if_contains("dmarc");
    const auto* w = o.if_contains("mailFromWarning");
    if (first) std::cout << '\n';
    first = false;
    std::string name(o.at("identity").as_string());
    if (d && d->is_object()) std::cout << "dmarc " << name << ": " << dmarc_summary(d->as_object()) << '\n';
    else std::cout << "dmarc " << name << ": unknown (only the running daemon reads the _dmarc records)\n";
    if (w && w->is_string()) std::cout << "warning " << name << ": " << std::string(w->as_string()) << '\n';
  }
  return exit_ok;
}

}  // namespace

const command status_command{
    "status", "show every identity's MAIL FROM domain and live verification state",
    "usage: mfrelay status [--format table|json] [-c CONFIG]\n\n"
    "Lists every configured identity with its MAIL FROM domain, status\n"
    "(Pending, Success, TemporaryFailure, Failed), behavior on MX failure, since\n"
    "when, the last check, its reason, the SPF result and the DKIM status. It asks the running\n"
    "daemon (admin API, first [[admin.key]]) and falls back to the state store\n"
    "in state_dir when the daemon is not reachable. JSON is an array of objects with keys\n"
    "identity, mailFromDomain, status, behaviorOnMxFailure, since, lastCheck,\n"
    "reason, spf, dkim (an object with the identity's Easy DKIM status:\n"
    "NOT_STARTED, PENDING, SUCCESS, TEMPORARY_FAILURE, FAILED; tokens, since,\n"
    "lastCheck, reason), dmarc (the DMARC verdict: result, aligned, policy,\n"
    "policyTag, record, why, ...), mailFromWarning. Under the table, a\n"
    "`dmarc IDENTITY:` line per identity gives its verdict.\n",
    {{"format", 'f', true}},
    run};

}  // namespace mfrelay::relay
