#include "relay/notify/webhook_sender.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "relay/common/http_url.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;

namespace {

constexpr std::uint64_t max_response_body = 64 * 1024;

}  // namespace

webhook_sender::webhook_sender(asio::any_io_executor ex, webhook_settings settings)
    : settings_(std::move(settings)), backoff_timer_(std::move(ex)) {
  std::string why;
  if (!parse_http_url(settings_.url, why)) throw std::invalid_argument("webhook URL " + settings_.url + ": " + why);
}

void webhook_sender::cancel() {
  cancel_->cancel();
  backoff_timer_.cancel();
}

asio::awaitable<bool> webhook_sender::post(std::string body) {
  const std::size_t attempts = 1 + settings_.backoff.size();
  for (std::size_t i = 0; i < attempts && !cancel_->cancelled(); ++i) {
    if (i > 0) {
      backoff_timer_.expires_after(settings_.backoff[i - 1]);
      co_await backoff_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (cancel_->cancelled()) break;
    }
    ++attempts_;
    std::string trouble = co_await attempt(body);
    if (trouble.empty()) co_return true;
    spdlog::warn("webhook {}: attempt {} of {} failed: {}", settings_.url, i + 1, attempts, trouble);
  }
  spdlog::error("webhook {}: gave up{}; the event stays in the event log", settings_.url,
                cancel_->cancelled() ? " (stopping)" : "");
  co_return false;
}

asio::awaitable<std::string> webhook_sender::attempt(const std::string& body) {
  http_client_request request;
  request.method = "POST";
  request.url = settings_.url;
  request.headers.emplace_back("content-type", "application/json");
  request.body = body;
  request.timeout = settings_.timeout;
  request.max_response_bytes = max_response_body;
  request.cancel = cancel_;
  http_client_result result = co_await http_fetch(std::move(request));
  if (!result.ok()) co_return result.error;
  const int status = result.response.status;
  if (status < 200 || status >= 300) co_return "HTTP " + std::to_string(status);
  co_return std::string();
}

}  // namespace mfrelay::relay
