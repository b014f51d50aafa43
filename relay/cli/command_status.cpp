// `mfrelay status`: every identity, its MAIL FROM domain and live verification state.
#include <boost/json.hpp>
#include <iostream>

#include "relay/cli/command.hpp"
#include "relay/common/clock.hpp"
#include "relay/state/state_rows.hpp"

namespace mfrelay::relay {
namespace {

boost::json::value optional_time(const std::optional<policy::timestamp>& t) {
  if (!t) return nullptr;
  return boost::json::string(iso8601(*t));
}

boost::json::object row_json(const identity_status& row) {
  const policy::identity& id = *row.identity;
  boost::json::object o;
  o["identity"] = id.name;
  o["mailFromDomain"] = id.has_mail_from() ? boost::json::value(id.mail_from_domain) : nullptr;
  auto status = row.status();
  o["status"] = status ? boost::json::value(to_string(*status)) : nullptr;
  o["behaviorOnMxFailure"] = to_string(id.behavior);
  o["since"] = row.stored ? optional_time(row.stored->state.since) : nullptr;
  o["lastCheck"] = row.stored ? optional_time(row.stored->last_check) : nullptr;
  if (row.stored) o["reason"] = row.stored->reason;
  else o["reason"] = id.has_mail_from() ? boost::json::value("not checked yet") : nullptr;
  o["spf"] = row.stored ? boost::json::value(to_string(row.stored->spf)) : nullptr;
  return o;
}

std::string text_of(const boost::json::value& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return std::string(v.as_string());
  return boost::json::serialize(v);
}

int run(const cli_args& args) {
  std::string format = args.value("format", "table");
  if (format != "table" && format != "json") {
    std::cerr << "mfrelay status: --format must be table or json\n";
    return exit_usage;
  }
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_failed;
  auto stored = read_stored_states(*cfg);
  boost::json::array rows;
  for (const auto& row : join_states(*cfg, stored.value_or(std::vector<stored_state>{}))) rows.push_back(row_json(row));

  if (format == "json") {
    std::cout << boost::json::serialize(rows) << '\n';
    return exit_ok;
  }
  if (!stored) std::cerr << "note: " << state_db_path(*cfg) << " does not exist yet: `mfrelay serve` has not run\n";
  static const char* columns[] = {"identity", "mailFromDomain", "status", "behaviorOnMxFailure",
                                  "since", "lastCheck", "spf", "reason"};
  std::vector<std::size_t> widths;
  for (const char* c : columns) widths.push_back(std::string_view(c).size());
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < widths.size(); ++i)
      widths[i] = std::max(widths[i], text_of(r.as_object().at(columns[i])).size());
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
  for (const auto& r : rows) print([&](std::size_t i) { return text_of(r.as_object().at(columns[i])); });
  return exit_ok;
}

}  // namespace

const command status_command{
    "status", "show every identity's MAIL FROM domain and live verification state",
    "usage: mfrelay status [--format table|json] [-c CONFIG]\n\n"
    "Lists every configured identity with its MAIL FROM domain, status\n"
    "(Pending, Success, TemporaryFailure, Failed), behavior on MX failure, since\n"
    "when, the last check, its reason and the SPF result, as kept by the\n"
    "running daemon in state_dir/state.db. JSON is an array of objects with keys\n"
    "identity, mailFromDomain, status, behaviorOnMxFailure, since, lastCheck,\n"
    "reason, spf.\n",
    {{"format", 'f', true}},
    run};

}  // namespace mfrelay::relay
