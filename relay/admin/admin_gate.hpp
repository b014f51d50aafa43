// One complete admin request after the HTTP checks: public routes (/healthz, /readyz,
// /metrics), the web console (/console/, its own cookie sign-in, never SigV4), else
// SigV4, then the SES handler. Called on a connection's strand; the
// handler resumes there. Requests are client input.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>

#include "policy/time.hpp"
#include "relay/admin/admin_backend.hpp"
#include "relay/common/http_message.hpp"
#include "relay/admin/sigv4.hpp"

namespace mfrelay::relay {

// Serves an authenticated request (http_request::access_key_id is set); the
// request id is the one the server logs and answers in x-amzn-RequestId.
using http_handler = std::function<boost::asio::awaitable<http_response>(http_request, std::string request_id)>;

// Serves /console/ (admin_console::handle): no SigV4, its own sign-in; `client`
// is the client's address without the port.
using console_handler = std::function<boost::asio::awaitable<http_response>(http_request, std::string client)>;

class admin_gate {
 public:
  // `clock` empty: the wall clock. Keys are read from backend.config() for every
  // request, so a reload adds or revokes them at once; so is [relay] region,
  // the only credential-scope region accepted when `rules.region` is empty.
  admin_gate(admin_backend& backend, http_handler handler, std::function<policy::timestamp()> clock = {},
             sigv4_rules rules = {}, console_handler console = {});

  // `request_id` goes into error bodies; `peer` only into the log.
  boost::asio::awaitable<http_response> serve(http_request request, std::string request_id, std::string peer);

 private:
  std::optional<http_response> public_route(const http_request& request) const;  // nullopt: not public
  boost::asio::awaitable<http_response> call_handler(http_request request, std::string request_id);

  admin_backend& backend_;
  http_handler handler_;
  console_handler console_;  // empty: /console/ is not served (SigV4 refuses it)
  std::function<policy::timestamp()> clock_;
  sigv4_rules rules_;
};

}  // namespace mfrelay::relay
