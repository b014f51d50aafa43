#include "relay/admin/queue_api.hpp"

#include <boost/json.hpp>
#include <optional>

#include "policy/message_id.hpp"
#include "relay/admin/api_error.hpp"
#include "relay/admin/aws_error_response.hpp"
#include "relay/admin/json_response.hpp"
#include "relay/admin/path_segments.hpp"
#include "relay/common/clock.hpp"

namespace mfrelay::relay {

namespace json = boost::json;

json::array queue_json(std::span<const queued_message> messages, policy::timestamp now) {
  json::array out;
  for (const auto& m : messages) {
    json::array recipients;
    for (const auto& r : m.recipients) recipients.emplace_back(r);
    out.emplace_back(json::object{
        {"id", m.id},
        {"sender", m.sender},
        {"recipients", std::move(recipients)},
        {"destination", m.destination},
        {"receivedAt", iso8601(m.received_at)},
        {"ageSeconds", std::chrono::duration_cast<std::chrono::seconds>(now - m.received_at).count()},
        {"attempts", m.attempts},
        {"lastError", m.last_error.empty() ? json::value(nullptr) : json::value(m.last_error)},
        {"nextAttempt", m.next_attempt ? json::value(iso8601(*m.next_attempt)) : json::value(nullptr)},
        {"inFlight", m.in_flight},
    });
  }
  return out;
}

boost::asio::awaitable<http_response> queue_api::handle(const http_request& request, std::string request_id) {
  std::optional<api_error> failure;
  try {
    const std::vector<std::string> s = path_segments(request.target.empty() ? request.path : request.target);
    const std::string& m = request.method;
    if (s.size() == 2 && m == "GET") {
      auto messages = co_await backend_.queue_list();
      co_return json_response(queue_json(messages, now()));
    }
    if (s.size() == 3 && s[2] == "flush" && m == "POST") {
      std::size_t n = co_await backend_.queue_flush();
      co_return json_response(json::object{{"flushed", n}});
    }
    if (s.size() == 3 && m == "DELETE") {
      const std::string& id = s[2];
      if (!policy::is_message_id(id)) throw api_error(400, "BadRequestException", "'" + id + "' is not a message id");
      switch (co_await backend_.queue_remove(id)) {
        case queue_removal::removed:
          co_return json_response(json::object{{"deleted", id}});
        case queue_removal::in_flight:
          throw api_error(409, "ConflictException", "message " + id + " is being delivered now; try again");
        case queue_removal::not_found:
          break;
      }
      throw api_error(404, "NotFoundException", "no queued message " + id);
    }
    throw api_error(404, "NotFoundException", "No mfrelay route is " + m + " " + request.path);
  } catch (const api_error& e) {
    failure = e;
  }
  co_return aws_error_response(aws_error_shape::plain_json, failure->status, failure->code, failure->what(), request_id);
}

}  // namespace mfrelay::relay
