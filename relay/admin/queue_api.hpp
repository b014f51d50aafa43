// The admin API's delivery queue routes, what `mfrelay queue` calls:
//   GET    /v1/queue          every queued message (JSON array, oldest first)
//   POST   /v1/queue/flush    retry every waiting message now: {"flushed": N}
//   DELETE /v1/queue/{id}     drop one message, unsent and unbounced: {"deleted": id}
// No state but the backend reference: any executor. Path segments are client input.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <span>
#include <string>

#include "relay/admin/admin_backend.hpp"
#include "relay/common/http_message.hpp"

namespace mfrelay::relay {

// [{"id","sender","recipients":[...],"destination","receivedAt","ageSeconds",
//   "attempts","lastError","nextAttempt","inFlight"}]; `now` gives ageSeconds.
boost::json::array queue_json(std::span<const queued_message> messages, policy::timestamp now);

class queue_api {
 public:
  explicit queue_api(admin_backend& backend) : backend_(backend) {}

  static bool owns(const std::string& path) { return path == "/v1/queue" || path.starts_with("/v1/queue/"); }

  boost::asio::awaitable<http_response> handle(const http_request& request, std::string request_id);

 private:
  admin_backend& backend_;
};

}  // namespace mfrelay::relay
