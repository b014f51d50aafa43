// The notifier: each MAIL FROM state change becomes an email in mfrelay's own
// spool (null sender, the configured recipient) handed to delivery, and a POST
// of the event to the webhook; neither blocks the caller, a failing webhook is
// retried then given up, and stop() + wait_stopped() leave nothing running.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/http_test_server.hpp"
#include "support/log_capture.hpp"
#include "support/message_check.hpp"
#include "relay/notify/notifier.hpp"
#include "relay/spool/ram_spool.hpp"
#include "support/status_change_sample.hpp"
#include "support/test_io.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

struct notifier_fixture {
  asio::io_context io;
  ram_spool spool;
  std::vector<envelope> accepted;
  test::http_test_server server{io};

  notifier_settings settings(bool email, bool webhook) {
    notifier_settings s;
    if (email) {
      s.email.to = "postmaster@example.com";
      s.email.from = "mfrelay@relay.example.net";
      s.email.hostname = "relay.example.net";
    }
    if (webhook) s.webhook = server.url();
    s.webhook_timeout = 2s;
    s.webhook_backoff = {20ms, 20ms};
    return s;
  }
  std::unique_ptr<notifier> make(notifier_settings s) {
    return std::make_unique<notifier>(io.get_executor(), spool, [this](const envelope& e) { accepted.push_back(e); },
                                      std::move(s), [] { return test::sample_t0; });
  }
  void stop(notifier& n) {
    n.stop();
    test::run_awaitable(io, n.wait_stopped(), 5s);
  }
};

TEST_CASE("notifier: a state change is mailed through our own spool, from the null sender") {
  notifier_fixture f;
  auto n = f.make(f.settings(true, false));
  n->notify(test::status_change_sample{}.build());
  REQUIRE(test::run_until(f.io, [&] { return f.accepted.size() == 1; }));
  const envelope& env = f.accepted[0];
  CHECK(env.return_path.empty());
  CHECK(env.recipients == std::vector<std::string>{"postmaster@example.com"});
  auto stored = f.spool.find(env.id);
  REQUIRE(stored);
  CHECK(*stored == env);
  auto data = f.spool.read_data(env.id);
  REQUIRE(data);
  auto m = test::parse_message(*data);
  CHECK(m.headers["Subject"] == "MAIL FROM domain mail.example.com for example.com is now Success");
  CHECK(m.headers["To"] == "postmaster@example.com");
  CHECK(n->stats().emails_spooled == 1);
  f.stop(*n);
}

TEST_CASE("notifier: other events, and everything after stop(), are ignored") {
  notifier_fixture f;
  auto n = f.make(f.settings(true, true));
  n->notify({{"eventType", "Send"}});
  n->notify({{"eventType", "AuthFailure"}});
  f.stop(*n);
  n->notify(test::status_change_sample{}.build());
  test::run_until(f.io, [] { return false; }, 200ms);
  CHECK(f.accepted.empty());
  CHECK(f.spool.stats(test::sample_t0).depth == 0);
  CHECK(f.server.requests.empty());
}

TEST_CASE("notifier: Bounce and Complaint events (the feedback listener's) go to the webhook, never by email") {
  notifier_fixture f;
  auto n = f.make(f.settings(true, true));
  boost::json::object bounce{{"eventType", "Bounce"}, {"bounce", {{"bounceType", "Permanent"}}}};
  boost::json::object complaint{{"eventType", "Complaint"}, {"complaint", {{"complaintFeedbackType", "abuse"}}}};
  n->notify(bounce);
  n->notify(complaint);
  REQUIRE(test::run_until(f.io, [&] { return n->stats().posts_sent == 2; }));
  CHECK(boost::json::parse(f.server.requests[0].body) == bounce);
  CHECK(boost::json::parse(f.server.requests[1].body) == complaint);
  CHECK(f.accepted.empty());
  CHECK(n->stats().emails_spooled == 0);
  f.stop(*n);
}

TEST_CASE("notifier: a spool that refuses the email is logged, not thrown") {
  test::log_capture log;
  notifier_fixture f;
  f.spool.fail_with(spool_error::no_space);
  auto n = f.make(f.settings(true, false));
  n->notify(test::status_change_sample{}.build());
  REQUIRE(test::run_until(f.io, [&] { return n->stats().emails_failed == 1; }));
  CHECK(f.accepted.empty());
  CHECK(log.count("notification email to postmaster@example.com not queued") == 1);
  f.stop(*n);
}

TEST_CASE("notifier: the webhook receives each event's JSON, in order") {
  notifier_fixture f;
  auto n = f.make(f.settings(false, true));
  test::status_change_sample first, second;
  second.from = policy::mail_from_status::success;
  second.to = policy::mail_from_status::temporary_failure;
  n->notify(first.build());
  n->notify(second.build());
  REQUIRE(test::run_until(f.io, [&] { return n->stats().posts_sent == 2; }));
  REQUIRE(f.server.requests.size() == 2);
  CHECK(f.server.requests[0].method == "POST");
  CHECK(f.server.requests[0].content_type == "application/json");
  CHECK(boost::json::parse(f.server.requests[0].body) == first.build());
  CHECK(boost::json::parse(f.server.requests[1].body) == second.build());
  CHECK(f.accepted.empty());  // no email configured
  f.stop(*n);
}

TEST_CASE("notifier: a failing webhook is retried, then given up, and blocks neither caller nor email") {
  test::log_capture log;
  notifier_fixture f;
  f.server.status = [](std::size_t) { return 500; };
  auto n = f.make(f.settings(true, true));
  auto started = std::chrono::steady_clock::now();
  n->notify(test::status_change_sample{}.build());
  CHECK(std::chrono::steady_clock::now() - started < 50ms);  // notify() only queues
  // The email does not wait for the webhook's retries.
  REQUIRE(test::run_until(f.io, [&] { return f.accepted.size() == 1; }));
  CHECK(n->stats().posts_failed == 0);
  REQUIRE(test::run_until(f.io, [&] { return n->stats().posts_failed == 1; }));
  CHECK(f.server.requests.size() == 3);  // 1 + 2 retries
  CHECK(log.count("gave up") == 1);
  f.stop(*n);
}

TEST_CASE("notifier: stop() ends a webhook waiting to retry; wait_stopped() completes at once") {
  notifier_fixture f;
  f.server.status = [](std::size_t) { return 503; };
  auto s = f.settings(false, true);
  s.webhook_backoff = {30s};
  auto n = f.make(s);
  n->notify(test::status_change_sample{}.build());
  n->notify(test::status_change_sample{}.build());  // queued behind the first
  REQUIRE(test::run_until(f.io, [&] { return f.server.requests.size() == 1; }));
  auto started = std::chrono::steady_clock::now();
  f.stop(*n);
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(n->stats().posts_failed == 1);
  CHECK(n->stats().posts_dropped == 1);
  CHECK(f.server.requests.size() == 1);
}

TEST_CASE("notifier: settings from the configuration") {
  policy::config cfg;
  cfg.relay.hostname = "relay.example.net";
  cfg.notifications.email = "ops@example.com";
  cfg.notifications.webhook = "http://127.0.0.1:9000/x";
  auto s = notifier_settings_of(cfg);
  CHECK(s.email.to == "ops@example.com");
  CHECK(s.email.from == "mfrelay@relay.example.net");
  CHECK(s.email.hostname == "relay.example.net");
  CHECK(s.email.feedback_host == cfg.feedback_host());
  CHECK(s.email.window == cfg.verification.window);
  CHECK(s.webhook == "http://127.0.0.1:9000/x");
  cfg.notifications.from = "alerts@example.com";
  CHECK(notifier_settings_of(cfg).email.from == "alerts@example.com");
}

}  // namespace
}  // namespace mfrelay::relay
