// The admin API's request handler, what admin_gate calls once SigV4 passed.
// No state but the backend reference: any executor, concurrent calls fine.
// Requests are client input.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>

#include "relay/admin/account_api.hpp"
#include "relay/admin/admin_backend.hpp"
#include "relay/common/http_message.hpp"
#include "relay/admin/mfrelay_api.hpp"
#include "relay/admin/queue_api.hpp"
#include "relay/admin/ses_query_api.hpp"
#include "relay/admin/ses_rest_api.hpp"

namespace mfrelay::relay {

// `/` -> SES v1, `/v2/...` -> SES v2, `/v1/queue...` -> the delivery queue,
// `/v1/...` -> mfrelay's own routes; the
// response gets `x-amzn-RequestId`, the id the SES bodies carry. Exceptions
// other than refusals propagate (admin_gate answers 500 InternalFailure).
class admin_router {
 public:
  explicit admin_router(admin_backend& backend) : v1_(backend), v2_(backend), own_(backend), queue_(backend), account_(backend) {}

  // `request_id` empty: a fresh one (new_request_id()).
  boost::asio::awaitable<http_response> handle(http_request request, std::string request_id = {});

 private:
  ses_query_api v1_;
  ses_rest_api v2_;
  mfrelay_api own_;
  queue_api queue_;
  account_api account_;  // /v2/email/account..., /v2/email/suppression/...
};

}  // namespace mfrelay::relay
