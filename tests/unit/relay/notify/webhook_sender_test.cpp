// The webhook client: which URLs it takes, one POST of JSON per event, retries
// after failed attempts (HTTP errors, refused connections, silence past the
// timeout), and cancel() ending the wait for the next retry.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "support/http_test_server.hpp"
#include "support/log_capture.hpp"
#include "relay/notify/webhook_sender.hpp"
#include "support/test_io.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST_CASE("webhook: a URL the HTTP client cannot take is refused up front") {
  asio::io_context io;
  CHECK_THROWS_AS(webhook_sender(io.get_executor(), {.url = "ftp://x:1/"}), std::invalid_argument);
}

struct sender_fixture {
  asio::io_context io;
  test::http_test_server server{io};
  asio::strand<asio::any_io_executor> strand{asio::make_strand(io.get_executor())};

  bool post(webhook_sender& sender, std::string body) {
    bool result = false;
    bool done = false;
    asio::co_spawn(strand, sender.post(std::move(body)), [&](std::exception_ptr e, bool ok) {
      REQUIRE_FALSE(e);
      result = ok;
      done = true;
    });
    REQUIRE(test::run_until(io, [&] { return done; }));
    return result;
  }
};

TEST_CASE("webhook: a POST of the JSON, answered 2xx, is one attempt") {
  sender_fixture f;
  f.server.status = [](std::size_t) { return 204; };
  webhook_sender sender(f.strand, {.url = f.server.url(), .timeout = 2s, .backoff = {10ms}});
  CHECK(f.post(sender, R"({"eventType":"MailFromDomainStatusChange"})"));
  REQUIRE(f.server.requests.size() == 1);
  const auto& r = f.server.requests[0];
  CHECK(r.method == "POST");
  CHECK(r.target == "/hooks/mfrelay");
  CHECK(r.host == "127.0.0.1:" + std::to_string(f.server.port()));
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"eventType":"MailFromDomainStatusChange"})");
  CHECK(sender.attempts() == 1);
}

TEST_CASE("webhook: a failing server is retried after each backoff, then given up") {
  test::log_capture log;
  sender_fixture f;
  f.server.status = [](std::size_t n) { return n == 1 ? 503 : 0; };  // an error, then silence and a close
  webhook_sender sender(f.strand, {.url = f.server.url(), .timeout = 2s, .backoff = {20ms, 40ms}});
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(f.post(sender, "{}"));
  CHECK(std::chrono::steady_clock::now() - started >= 60ms);  // it did wait between attempts
  CHECK(f.server.requests.size() == 3);
  CHECK(sender.attempts() == 3);
  CHECK(log.count("attempt 1 of 3 failed: HTTP 503") == 1);
  CHECK(log.count("attempt 2 of 3 failed: no answer from 127.0.0.1:") == 1);
  CHECK(log.count("gave up") == 1);
}

TEST_CASE("webhook: a server that never answers costs one timeout per attempt") {
  sender_fixture f;
  f.server.status = [](std::size_t) { return -1; };
  webhook_sender sender(f.strand, {.url = f.server.url(), .timeout = 150ms, .backoff = {10ms}});
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(f.post(sender, "{}"));
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= 300ms);
  CHECK(took < 3s);
  CHECK(f.server.requests.size() == 2);
}

TEST_CASE("webhook: nobody listening is a failed attempt like any other") {
  sender_fixture f;
  const std::string url = f.server.url();
  f.server.close();  // the port is now refused
  webhook_sender sender(f.strand, {.url = url, .timeout = 1s, .backoff = {10ms, 10ms}});
  CHECK_FALSE(f.post(sender, "{}"));
  CHECK(sender.attempts() == 3);
  CHECK(f.server.connections == 0);
}

TEST_CASE("webhook: cancel() ends the wait for a retry at once") {
  sender_fixture f;
  f.server.status = [](std::size_t) { return 500; };
  webhook_sender sender(f.strand, {.url = f.server.url(), .timeout = 1s, .backoff = {30s}});
  bool done = false, ok = true;
  asio::co_spawn(f.strand, sender.post("{}"), [&](std::exception_ptr, bool result) {
    ok = result;
    done = true;
  });
  REQUIRE(test::run_until(f.io, [&] { return f.server.requests.size() == 1; }));
  auto started = std::chrono::steady_clock::now();
  asio::post(f.strand, [&] { sender.cancel(); });
  REQUIRE(test::run_until(f.io, [&] { return done; }, 2s));
  CHECK_FALSE(ok);
  CHECK(std::chrono::steady_clock::now() - started < 1s);
  CHECK(f.post(sender, "{}") == false);  // and later posts fail at once
  CHECK(f.server.requests.size() == 1);
}

}  // namespace
}  // namespace mfrelay::relay
