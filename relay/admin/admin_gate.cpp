#include "relay/admin/admin_gate.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <optional>

#include "relay/admin/admin_console.hpp"
#include "relay/admin/aws_error_response.hpp"
#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace asio = boost::asio;

namespace {

http_response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8") {
  http_response res;
  res.status = status;
  res.content_type = std::move(content_type);
  res.body = std::move(body);
  return res;
}

}  // namespace

admin_gate::admin_gate(admin_backend& backend, http_handler handler, std::function<policy::timestamp()> clock,
                       sigv4_rules rules, console_handler console)
    : backend_(backend),
      handler_(std::move(handler)),
      console_(std::move(console)),
      clock_(std::move(clock)),
      rules_(std::move(rules)) {
  if (!clock_) clock_ = [] { return now(); };
}

std::optional<http_response> admin_gate::public_route(const http_request& request) const {
  if (request.method != "GET") return std::nullopt;
  if (request.path == "/healthz") return text(200, "ok\n");
  if (request.path == "/readyz") {
    // The store's state is said, never acted on: with the database away the
    // relay still accepts mail into its own spool, so a load balancer must not
    // take it out of rotation for that.
    auto store = backend_.store_up();
    std::string note = !store ? "" : *store ? "store: up\n" : "store: down\n";
    return backend_.ready() ? text(200, "ready\n" + note) : text(503, "not ready\n" + note);
  }
  if (request.path == "/metrics") return text(200, backend_.metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
  return std::nullopt;
}

asio::awaitable<http_response> admin_gate::serve(http_request request, std::string request_id, std::string peer) {
  if (std::optional<http_response> open = public_route(request)) co_return std::move(*open);
  // The console signs in with its cookie only: an Authorization header there is
  // ignored, and the API below never looks at a cookie.
  if (console_ && admin_console::owns(request.path)) {
    std::string what;
    try {
      co_return co_await console_(std::move(request), client_address_of(peer));
    } catch (const std::exception& e) {
      what = e.what();
    }
    spdlog::error("admin request {}: the console failed: {}", request_id, what);
    co_return text(500, "The console failed to answer; the server log has the details (request " + request_id + ").\n");
  }

  aws_error_shape shape = error_shape_for(request.path);
  std::shared_ptr<const policy::config> cfg = backend_.config();
  if (cfg->admin.keys.empty()) {
    spdlog::warn("admin {}: {} {} refused: no [[admin.key]] is configured", peer, request.method, request.path);
    co_return aws_error_response(shape, 403, "AccessDenied",
                                 "This admin API has no [[admin.key]] configured: only /healthz, /readyz and "
                                 "/metrics answer.",
                                 request_id);
  }
  // A credential scoped to another region is refused, as SES refuses one
  // scoped to a region other than the endpoint's: the relay is one region.
  sigv4_rules rules = rules_;
  if (rules.region.empty()) rules.region = cfg->relay.region;
  sigv4_verdict verdict = verify_sigv4(request, cfg->admin.keys, clock_(), rules);
  if (!verdict.ok()) {
    std::string_view code = aws_error_code_for(verdict.status, shape == aws_error_shape::rest_json);
    // The message is AWS's wording and names nothing secret; the key id is not a secret.
    spdlog::warn("admin {}: {} {} refused: {} (key '{}'): {} ({})", peer, request.method, request.path, code,
                 verdict.access_key_id, verdict.message, request_id);
    co_return aws_error_response(shape, http_status_of(verdict.status), code, verdict.message, request_id);
  }
  request.access_key_id = verdict.access_key_id;
  co_return co_await call_handler(std::move(request), std::move(request_id));
}

asio::awaitable<http_response> admin_gate::call_handler(http_request request, std::string request_id) {
  aws_error_shape shape = error_shape_for(request.path);
  std::string what;
  try {
    co_return co_await handler_(std::move(request), request_id);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  spdlog::error("admin request {}: the handler failed: {}", request_id, what);
  co_return aws_error_response(shape, 500, "InternalFailure",
                               "The request processing has failed because of an unknown error, exception or failure.",
                               request_id);
}

}  // namespace mfrelay::relay
