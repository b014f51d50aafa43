// A fake admin_backend for the API handler tests: a configuration built from
// policy text, stored states set by the test, and change() running the same
// pipeline the daemon does (policy_writer plan, planned_config, validate_config)
// without touching the disk. Also request builders, a coroutine runner, and a
// fixture holding the fake and one API handler over it.
#pragma once
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/config.hpp"
#include "policy/ip_network.hpp"
#include "relay/admin/admin_backend.hpp"
#include "relay/common/http_message.hpp"
#include "relay/admin/policy_writer.hpp"
#include "relay/admin/uri_encoding.hpp"
#include "relay/config/config_loader.hpp"

namespace mfrelay::relay::test {

inline constexpr std::string_view policy_dir = "/etc/mfrelay/policy.d";
inline const std::string example_file = std::string(policy_dir) + "/example.toml";
inline const std::string admin_file = std::string(policy_dir) + "/admin-api.toml";

inline constexpr std::string_view example_policy = R"(# the operator's file
[[identity]]
name = "example.com"
mail_from_domain = "mail.example.com"
behavior_on_mx_failure = "UseDefaultValue"

[[identity]]
name = "billing@example.com"
mail_from_domain = "bounce.example.com"
behavior_on_mx_failure = "RejectMessage"

[[identity]]
name = "news.example.com"

[[identity]]
name = "other.org"
)";

// A valid configuration (one network listener, one user for "*") whose
// identities are `policy_text`, declared in example.toml.
inline std::shared_ptr<policy::config> make_config(std::string_view policy_text = example_policy) {
  auto cfg = std::make_shared<policy::config>();
  cfg->main_file = "/etc/mfrelay/mfrelay.toml";
  cfg->relay.region = "us-west-2";
  cfg->relay.policy_dir = std::string(policy_dir);
  cfg->relay.state_dir = "/var/lib/mfrelay";
  policy::listener_settings local;
  local.name = "local";
  local.address = {"127.0.0.1", 2525};
  local.tls = policy::tls_mode::none;
  local.auth = policy::auth_mode::network;
  cfg->listeners.push_back(local);
  policy::user apps;
  apps.name = "apps";
  apps.networks.push_back(*policy::parse_ip_network("127.0.0.0/8"));
  apps.identities = {"*"};
  cfg->users.push_back(apps);
  std::vector<policy::config_error> errors;
  load_policy_text(policy_text, example_file, cfg->identities, errors);
  REQUIRE(errors.empty());
  REQUIRE(policy::validate_config(*cfg).empty());
  return cfg;
}

inline policy::timestamp at(std::int64_t seconds) { return policy::timestamp(std::chrono::seconds(seconds)); }

class fake_backend final : public admin_backend {
 public:
  std::shared_ptr<const dmarc_view> dmarc_state;  // what dmarc() gives; null: none
  std::shared_ptr<const dmarc_view> dmarc() const override { return dmarc_state; }
  std::shared_ptr<const policy::config> cfg = make_config();
  std::vector<stored_state> states;
  std::vector<identity_change> changes;          // every change() call
  std::vector<policy_file_write> writes;         // what applied changes would have written
  std::vector<policy::config_error> refuse;      // when not empty, change() returns these
  std::vector<std::string> verified;             // every verify_now() call
  bool verify_result = true;

  std::shared_ptr<const policy::config> config() const override { return cfg; }
  std::vector<stored_state> stored_states() const override { return states; }

  boost::asio::awaitable<std::vector<policy::config_error>> change(identity_change c) override {
    changes.push_back(c);
    if (!refuse.empty()) co_return refuse;
    policy_write_plan plan = plan_policy_write(*cfg, c);
    if (!plan.errors.empty()) co_return plan.errors;
    std::vector<policy::config_error> errors;
    policy::config next = planned_config(*cfg, plan.writes, errors);
    if (errors.empty()) errors = policy::validate_config(next);
    if (!errors.empty()) co_return errors;
    writes.insert(writes.end(), plan.writes.begin(), plan.writes.end());
    cfg = std::make_shared<const policy::config>(std::move(next));
    co_return errors;
  }

  // dkim = true: PENDING, as the daemon says until the DNS-checked status is wired.
  dkim_status dkim_state(const policy::identity& id) const override {
    return id.dkim ? dkim_status::pending : dkim_status::not_started;
  }
  // Keys by identity, set by the test (the daemon's key store fills them on reload).
  std::map<std::string, std::shared_ptr<const dkim::identity_keys>> keys;
  std::shared_ptr<const dkim::identity_keys> dkim_keys(const std::string& identity) const override {
    auto it = keys.find(identity);
    return it == keys.end() ? nullptr : it->second;
  }

  boost::asio::awaitable<bool> verify_now(std::string identity) override {
    verified.push_back(identity);
    co_return verify_result;
  }

  std::vector<queued_message> queued;            // what queue_list() returns
  std::vector<std::string> queue_removed;        // every queue_remove() call
  std::size_t queue_flushes = 0;

  boost::asio::awaitable<std::vector<queued_message>> queue_list() override { co_return queued; }
  boost::asio::awaitable<std::size_t> queue_flush() override {
    ++queue_flushes;
    co_return queued.size();
  }
  boost::asio::awaitable<queue_removal> queue_remove(std::string id) override {
    queue_removed.push_back(id);
    for (auto it = queued.begin(); it != queued.end(); ++it) {
      if (it->id != id) continue;
      if (it->in_flight) co_return queue_removal::in_flight;
      queued.erase(it);
      co_return queue_removal::removed;
    }
    co_return queue_removal::not_found;
  }

  std::string metrics_text() const override { return "# metrics\n"; }
  bool ready() const override { return true; }

  void set_state(const std::string& identity, const std::string& mail_from, policy::mail_from_status status,
                 std::int64_t since) {
    stored_state s;
    s.identity = identity;
    s.mail_from_domain = mail_from;
    s.state = {status, at(since)};
    s.last_check = at(since + 60);
    s.last_outcome = "pass";
    s.reason = "exactly one MX: 10 feedback-smtp.us-west-2.amazonses.com";
    s.spf = policy::spf_status::ok;
    states.push_back(s);
  }
};

// Runs a coroutine to completion on a fresh io_context; rethrows what it threw.
template <class T>
T run(boost::asio::awaitable<T> work) {
  boost::asio::io_context io;
  auto done = boost::asio::co_spawn(io, std::move(work), boost::asio::use_future);
  io.run();
  return done.get();
}

// A fake backend and one API handler over it; handle() gives the handler a
// request as the router does, with RequestId req-1.
template <class Api>
struct api_fixture {
  fake_backend backend;
  Api api{backend};

  http_response handle(http_request request) { return run(api.handle(request, "req-1")); }
};

// The API version every SES v1 request names, as a form field to append.
inline constexpr std::string_view v1_version = "&Version=2010-12-01";

// POST / with a form body, as botocore sends the SES v1 actions.
inline http_request form_post(std::string body) {
  http_request r;
  r.method = "POST";
  r.target = "/";
  r.path = "/";
  r.headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// A REST request as the HTTP server hands it over: `target` still encoded,
// path decoded, query parsed.
inline http_request rest(std::string method, std::string target, std::string body = {}) {
  http_request r;
  r.method = std::move(method);
  r.target = target;
  std::size_t q = target.find('?');
  r.path = percent_decode(target.substr(0, q));
  if (q != std::string::npos) r.query = parse_query(target.substr(q + 1), false);
  if (!body.empty()) r.headers["content-type"] = "application/json";
  r.body = std::move(body);
  return r;
}

inline boost::json::value json_of(const http_response& r) { return boost::json::parse(r.body); }

inline std::string header(const http_response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

}  // namespace mfrelay::relay::test
