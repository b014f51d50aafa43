#include "relay/cli/daemon_client.hpp"

#include <boost/json/parse.hpp>

#include "relay/admin/http_client.hpp"

namespace mfrelay::relay {

daemon_answer call_daemon(const policy::config& cfg, const std::string& method, const std::string& target) {
  daemon_answer answer;
  if (!cfg.admin.enabled) {
    answer.error = "the admin API is disabled ([admin] enabled = false)";
    return answer;
  }
  if (cfg.admin.keys.empty()) {
    answer.error = "no [[admin.key]] is configured to sign requests to the daemon";
    return answer;
  }
  http_client_result result = http_fetch_blocking(admin_api_request(cfg, method, target));
  if (!result.ok()) {
    answer.error = "the daemon at " + cfg.admin.address.str() + " is not reachable: " + result.error;
    return answer;
  }
  answer.reached = true;
  boost::json::error_code ec;
  boost::json::value body = boost::json::parse(result.response.body, ec);
  if (result.response.status / 100 != 2) {
    answer.error = "the daemon answered " + std::to_string(result.response.status);
    if (!ec && body.is_object() && body.as_object().contains("message"))
      answer.error += ": " + std::string(body.as_object().at("message").as_string());
    return answer;
  }
  if (ec) {
    answer.error = "the daemon's answer is not JSON";
    return answer;
  }
  answer.json = std::move(body);
  return answer;
}

}  // namespace mfrelay::relay
