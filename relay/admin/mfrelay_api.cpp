#include "relay/admin/mfrelay_api.hpp"

#include <boost/json.hpp>

#include "policy/decision.hpp"
#include "policy/dns_records.hpp"
#include "relay/admin/api_error.hpp"
#include "relay/admin/aws_error_response.hpp"
#include "relay/admin/json_response.hpp"
#include "relay/admin/path_segments.hpp"
#include "relay/common/record_format.hpp"
#include "relay/common/clock.hpp"
#include "relay/state/state_rows.hpp"
#include "relay/admin/explain_json.hpp"
#include "relay/state/status_json.hpp"

namespace mfrelay::relay {
namespace {

std::optional<std::string> query_value(const http_request& request, const std::string& name) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return std::nullopt;
  return it->second;
}

policy::email_address address_parameter(const std::string& name, const std::string& text) {
  auto parsed = policy::parse_email_address(text);
  if (!parsed) throw api_error(400, "BadRequestException", name + " '" + text + "' is not an email address");
  return *parsed;
}

std::string_view content_type(record_format format) {
  switch (format) {
    case record_format::json: return "application/json";
    case record_format::csv: return "text/csv; charset=utf-8";
    case record_format::zone:
    case record_format::table: return "text/plain; charset=utf-8";
  }
  return "text/plain; charset=utf-8";
}

}  // namespace

boost::asio::awaitable<http_response> mfrelay_api::handle(const http_request& request, std::string request_id) {
  std::optional<api_error> failure;
  try {
    const std::vector<std::string> s = path_segments(request.target.empty() ? request.path : request.target);
    const std::string& m = request.method;
    bool v1 = !s.empty() && s[0] == "v1";
    if (v1 && s.size() == 4 && s[1] == "identities" && s[3] == "dns-records" && m == "GET")
      co_return dns_records(s[2], request);
    if (v1 && s.size() == 4 && s[1] == "identities" && s[3] == "verify" && m == "POST") co_return co_await verify(s[2]);
    if (v1 && s.size() == 2 && s[1] == "explain" && m == "GET") co_return explain(request);
    if (v1 && s.size() == 2 && s[1] == "status" && m == "GET") co_return status();
    throw api_error(404, "NotFoundException", "No mfrelay route is " + m + " " + request.path);
  } catch (const api_error& e) {
    failure = e;
  }
  co_return aws_error_response(aws_error_shape::plain_json, failure->status, failure->code, failure->what(), request_id);
}

const policy::identity& mfrelay_api::find_identity(const policy::config& cfg, const std::string& given) const {
  auto parsed = policy::parse_identity_name(given);
  if (!parsed.value) throw api_error(400, "BadRequestException", parsed.error);
  const policy::identity* id = cfg.identities.find(parsed.value->name);
  if (!id) throw api_error(404, "NotFoundException", "'" + given + "' is not a declared identity");
  return *id;
}

http_response mfrelay_api::dns_records(const std::string& given, const http_request& request) const {
  std::string format_text = query_value(request, "format").value_or("json");
  auto format = parse_record_format(format_text);
  if (!format) throw api_error(400, "BadRequestException", "format must be json, csv, zone or table");
  auto cfg = backend_.config();
  const policy::identity& id = find_identity(*cfg, given);
  if (!id.has_mail_from())
    throw api_error(400, "BadRequestException",
                    "identity " + id.name + " has no custom MAIL FROM domain; it uses " +
                        cfg->default_mail_from_domain() + " and needs no records");
  http_response r;
  r.content_type = content_type(*format);
  r.body = format_records(policy::required_records(id, cfg->feedback_host(), cfg->verification.spf_include), *format);
  return r;
}

boost::asio::awaitable<http_response> mfrelay_api::verify(const std::string& given) {
  std::string name = find_identity(*backend_.config(), given).name;
  bool checked = co_await backend_.verify_now(name);
  // The configuration may have been reloaded while the check ran: look again.
  auto cfg = backend_.config();
  for (const auto& row : join_states(*cfg, backend_.stored_states())) {
    if (row.identity->name != name) continue;
    boost::json::object out = status_row_json(row);
    out["checked"] = checked;
    co_return json_response(out);
  }
  throw api_error(404, "NotFoundException", "'" + given + "' is not a declared identity");
}

http_response mfrelay_api::explain(const http_request& request) const {
  auto from_text = query_value(request, "from");
  if (!from_text) throw api_error(400, "BadRequestException", "from is required");
  policy::email_address from = address_parameter("from", *from_text);
  std::optional<policy::email_address> sender = from;
  if (auto text = query_value(request, "sender")) {
    if (text->empty() || *text == "<>") sender.reset();
    else sender = address_parameter("sender", *text);
  }
  auto cfg = backend_.config();
  const policy::user* user = nullptr;
  if (auto name = query_value(request, "user")) {
    user = policy::find_user(cfg->users, *name);
    if (!user) throw api_error(400, "BadRequestException", "no [[user]] is named '" + *name + "'");
  }

  auto dmarc = backend_.dmarc();
  return json_response(
      explain_json(*cfg, backend_.stored_states(), from, sender, user, dmarc.get(), backend_.stored_dkim_states()));
}

http_response mfrelay_api::status() const {
  auto dmarc = backend_.dmarc();
  return json_response(
      status_json(*backend_.config(), backend_.stored_states(), backend_.stored_dkim_states(), dmarc.get()));
}

}  // namespace mfrelay::relay
