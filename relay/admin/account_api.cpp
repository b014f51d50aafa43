#include "relay/admin/account_api.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <spdlog/spdlog.h>

#include "relay/admin/api_error.hpp"
#include "relay/admin/aws_error_response.hpp"
#include "relay/admin/json_response.hpp"
#include "relay/admin/path_segments.hpp"
#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

namespace json = boost::json;

constexpr std::size_t max_page_size = 1000;  // ListSuppressedDestinations PageSize: 1-1000

[[noreturn]] void bad_request(const std::string& what) { throw api_error(400, "BadRequestException", what); }

json::object parse_body(const std::string& body) {
  if (body.empty()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) throw api_error(400, "SerializationException", "The request body is not valid JSON: " + ec.message());
  if (!v.is_object()) throw api_error(400, "SerializationException", "The request body must be a JSON object.");
  return std::move(v.as_object());
}

std::optional<std::string> string_member(const json::object& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string())
    throw api_error(400, "SerializationException", std::string(name) + " must be a JSON string.");
  return std::string(it->value().as_string());
}

suppression_reason reason_of(const std::string& text, std::string_view field) {
  auto r = parse_suppression_reason(text);
  if (!r)
    bad_request("1 validation error detected: Value '" + text + "' at '" + std::string(field) +
                "' failed to satisfy constraint: Member must satisfy enum value set: [BOUNCE, COMPLAINT]");
  return *r;
}

// rest-json timestamps: epoch seconds, as SES sends them.
double epoch_seconds(policy::timestamp t) { return static_cast<double>(t.time_since_epoch().count()) / 1000.0; }

json::array reasons_json(const std::vector<suppression_reason>& reasons) {
  json::array out;
  for (auto r : reasons) out.emplace_back(to_string(r));
  return out;
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

std::optional<policy::timestamp> parse_api_timestamp(std::string_view text) {
  using namespace std::chrono;
  if (text.empty()) return std::nullopt;
  if (text.find('-') == std::string_view::npos || text.front() == '-') {  // epoch seconds
    double seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return policy::timestamp{policy::duration{static_cast<std::int64_t>(seconds * 1000)}};
  }
  // YYYY-MM-DD[THH:MM:SS[.fff][Z|+HH:MM|-HH:MM]]
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !digits(text.substr(0, 4)) ||
      !digits(text.substr(5, 2)) || !digits(text.substr(8, 2)))
    return std::nullopt;
  year_month_day day{year{number(text.substr(0, 4))}, month{static_cast<unsigned>(number(text.substr(5, 2)))},
                     std::chrono::day{static_cast<unsigned>(number(text.substr(8, 2)))}};
  if (!day.ok()) return std::nullopt;
  policy::timestamp t = time_point_cast<policy::duration>(sys_days{day});
  std::string_view rest = text.substr(10);
  if (rest.empty()) return t;
  if ((rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ') || rest.size() < 9 || rest[3] != ':' || rest[6] != ':' ||
      !digits(rest.substr(1, 2)) || !digits(rest.substr(4, 2)) || !digits(rest.substr(7, 2)))
    return std::nullopt;
  int h = number(rest.substr(1, 2)), m = number(rest.substr(4, 2)), s = number(rest.substr(7, 2));
  if (h > 23 || m > 59 || s > 60) return std::nullopt;
  t += hours{h} + minutes{m} + seconds{s};
  rest.remove_prefix(9);
  if (!rest.empty() && rest[0] == '.') {
    std::size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    std::string_view fraction = rest.substr(1, n - 1);
    if (fraction.empty()) return std::nullopt;
    std::string ms(fraction.substr(0, 3));
    ms.resize(3, '0');
    t += milliseconds{number(ms)};
    rest.remove_prefix(n);
  }
  if (rest.empty() || rest == "Z" || rest == "z") return t;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' && digits(rest.substr(1, 2)) &&
      digits(rest.substr(4, 2))) {
    auto offset = hours{number(rest.substr(1, 2))} + minutes{number(rest.substr(4, 2))};
    return rest[0] == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

suppression_list& account_api::list() const {
  suppression_list* l = backend_.suppression();
  if (!l) throw api_error(404, "NotFoundException", "This relay keeps no suppression list.");
  return *l;
}

boost::asio::awaitable<http_response> account_api::handle(const http_request& request, std::string request_id) {
  std::optional<api_error> failure;
  try {
    const std::vector<std::string> s = path_segments(request.target.empty() ? request.path : request.target);
    const std::string& m = request.method;
    bool account = s.size() >= 3 && s[0] == "v2" && s[1] == "email" && s[2] == "account";
    if (account && s.size() == 3 && m == "GET") co_return get_account();
    if (account && s.size() == 4 && s[3] == "suppression" && m == "PUT") co_return co_await put_attributes(request);
    bool addresses = s.size() >= 4 && s[0] == "v2" && s[1] == "email" && s[2] == "suppression" && s[3] == "addresses";
    if (addresses && s.size() == 4 && m == "PUT") co_return co_await put_destination(request);
    if (addresses && s.size() == 4 && m == "GET") co_return list_destinations(request);
    if (addresses && s.size() == 5 && m == "GET") co_return get_destination(s[4]);
    if (addresses && s.size() == 5 && m == "DELETE") co_return co_await delete_destination(s[4]);
    throw api_error(404, "UnknownOperationException", "No SES v2 operation is " + m + " " + request.path);
  } catch (const api_error& e) {
    failure = e;
  }
  if (!failure->detail.empty()) spdlog::warn("admin request {}: refused: {}", request_id, failure->detail);
  co_return aws_error_response(aws_error_shape::rest_json, failure->status, failure->code, failure->what(), request_id);
}

http_response account_api::get_account() const {
  const send_quota* q = backend_.quota();
  policy::timestamp t = now();
  // -1: unlimited, as SES's GetSendQuota says it.
  double max_24 = q && q->max_24_hour_send() > 0 ? static_cast<double>(q->max_24_hour_send()) : -1;
  double rate = q && q->max_send_rate() > 0 ? q->max_send_rate() : -1;
  double sent = q ? static_cast<double>(q->sent_last_24_hours(t)) : 0;
  const suppression_list* l = backend_.suppression();
  return json_response(json::object{
      {"DedicatedIpAutoWarmupEnabled", false},
      {"EnforcementStatus", "HEALTHY"},
      {"ProductionAccessEnabled", true},
      {"SendQuota", json::object{{"Max24HourSend", max_24}, {"MaxSendRate", rate}, {"SentLast24Hours", sent}}},
      {"SendingEnabled", true},
      {"SuppressionAttributes",
       json::object{{"SuppressedReasons", reasons_json(l ? l->automatic_reasons() : std::vector<suppression_reason>{})}}},
  });
}

boost::asio::awaitable<http_response> account_api::put_attributes(const http_request& request) {
  json::object body = parse_body(request.body);
  std::vector<suppression_reason> reasons;
  if (auto it = body.find("SuppressedReasons"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) throw api_error(400, "SerializationException", "SuppressedReasons must be a JSON array.");
    for (const auto& v : it->value().as_array()) {
      if (!v.is_string()) throw api_error(400, "SerializationException", "Each SuppressedReason must be a JSON string.");
      reasons.push_back(reason_of(std::string(v.as_string()), "suppressedReasons"));
    }
  }
  suppression_list& l = list();
  co_await backend_.blocking([&] { l.set_automatic_reasons(reasons); });
  spdlog::info("suppression list: automatic reasons now [{}]", json::serialize(reasons_json(l.automatic_reasons())));
  co_return json_response(json::object{});
}

boost::asio::awaitable<http_response> account_api::put_destination(const http_request& request) {
  json::object body = parse_body(request.body);
  auto address = string_member(body, "EmailAddress");
  if (!address || address->empty())
    bad_request("1 validation error detected: Value null at 'emailAddress' failed to satisfy constraint: Member must "
                "not be null");
  auto reason_text = string_member(body, "Reason");
  if (!reason_text)
    bad_request("1 validation error detected: Value null at 'reason' failed to satisfy constraint: Member must not "
                "be null");
  suppression_reason reason = reason_of(*reason_text, "reason");
  if (!suppression_list::canonical(*address)) bad_request("Email address " + *address + " is not valid.");
  suppression_list& l = list();
  co_await backend_.blocking([&] { l.put(*address, reason, now()); });
  spdlog::info("suppression list: {} added ({}) through the admin API", *address, to_string(reason));
  co_return json_response(json::object{});
}

http_response account_api::get_destination(const std::string& address) const {
  if (!suppression_list::canonical(address)) bad_request("Email address " + address + " is not valid.");
  auto entry = list().get(address);
  if (!entry) throw api_error(404, "NotFoundException", "Email address " + address + " does not exist on your suppression list.");
  json::object attributes;
  if (!entry->message_id.empty()) attributes["MessageId"] = entry->message_id;
  if (!entry->feedback_id.empty()) attributes["FeedbackId"] = entry->feedback_id;
  return json_response(json::object{{"SuppressedDestination", json::object{
                                                                  {"EmailAddress", entry->address},
                                                                  {"Reason", to_string(entry->reason)},
                                                                  {"LastUpdateTime", epoch_seconds(entry->last_update)},
                                                                  {"Attributes", std::move(attributes)},
                                                              }}});
}

boost::asio::awaitable<http_response> account_api::delete_destination(const std::string& address) {
  if (!suppression_list::canonical(address)) bad_request("Email address " + address + " is not valid.");
  suppression_list& l = list();
  bool removed = false;
  co_await backend_.blocking([&] { removed = l.remove(address); });
  if (!removed)
    throw api_error(404, "NotFoundException", "Email address " + address + " does not exist on your suppression list.");
  spdlog::info("suppression list: {} removed through the admin API", address);
  co_return json_response(json::object{});
}

http_response account_api::list_destinations(const http_request& request) const {
  suppression_query q;
  q.page_size = max_page_size;
  auto [from, to] = request.query.equal_range("Reason");
  for (auto it = from; it != to; ++it) {
    // botocore repeats the parameter; some clients send one comma-separated value.
    std::string_view rest = it->second;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      q.reasons.push_back(reason_of(std::string(rest.substr(0, comma)), "reasons"));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  for (const char* name : {"StartDate", "EndDate"}) {
    auto it = request.query.find(name);
    if (it == request.query.end()) continue;
    auto t = parse_api_timestamp(it->second);
    if (!t) bad_request(std::string(name) + " is not a timestamp: " + it->second);
    (std::string_view(name) == "StartDate" ? q.start : q.end) = *t;
  }
  if (auto it = request.query.find("PageSize"); it != request.query.end()) {
    const std::string& text = it->second;
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > max_page_size)
      bad_request("PageSize must be an integer from 1 to 1000, not " + text + ".");
    q.page_size = n;
  }
  if (auto it = request.query.find("NextToken"); it != request.query.end()) {
    if (!suppression_list::canonical(it->second))
      bad_request("The NextToken is not one ListSuppressedDestinations returned.");
    q.after = it->second;
  }
  suppression_page page = list().list(q);
  json::array items;
  for (const auto& e : page.items)
    items.emplace_back(json::object{
        {"EmailAddress", e.address}, {"Reason", to_string(e.reason)}, {"LastUpdateTime", epoch_seconds(e.last_update)}});
  json::object out{{"SuppressedDestinationSummaries", std::move(items)}};
  if (!page.next.empty()) out["NextToken"] = page.next;
  return json_response(out);
}

}  // namespace mfrelay::relay
