#include "relay/cli/daemon_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "relay/admin/sigv4.hpp"
#include "relay/common/clock.hpp"

namespace mfrelay::relay {

http_client_request admin_api_request(const policy::config& cfg, std::string method, std::string target,
                                      std::string body, std::string content_type) {
  policy::host_port address = cfg.admin.address;
  if (address.host == "0.0.0.0" || address.host.empty()) address.host = "127.0.0.1";
  if (address.host == "::") address.host = "::1";
  http_client_request request;
  request.method = std::move(method);
  request.url = "http://" + address.str() + target;
  request.body = std::move(body);
  if (!content_type.empty()) request.headers.emplace_back("content-type", std::move(content_type));
  if (!cfg.admin.keys.empty()) {
    sigv4_credentials credentials{cfg.admin.keys.front().access_key_id, cfg.admin.keys.front().secret_access_key};
    request.sign = [credentials, region = cfg.relay.region](http_request& r) {
      sign_sigv4(r, credentials, region, "ses", now());
    };
  }
  return request;
}

std::string table_cell(const boost::json::value& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return std::string(v.as_string());
  return boost::json::serialize(v);
}

daemon_answer call_daemon(const policy::config& cfg, const std::string& method, const std::string& target,
                          const std::string& json_body) {
  daemon_answer answer;
  if (!cfg.admin.enabled) {
    answer.error = "the admin API is disabled ([admin] enabled = false)";
    return answer;
  }
  if (cfg.admin.keys.empty()) {
    answer.error = "no [[admin.key]] is configured to sign requests to the daemon";
    return answer;
  }
  http_client_result result = http_fetch_blocking(
      admin_api_request(cfg, method, target, json_body, json_body.empty() ? std::string() : "application/json"));
  if (!result.ok()) {
    answer.error = "the daemon at " + cfg.admin.address.str() + " is not reachable: " + result.error;
    return answer;
  }
  if (result.truncated) {
    answer.error = "the daemon's answer is too long";
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
