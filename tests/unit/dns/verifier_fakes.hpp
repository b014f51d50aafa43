// Fakes for the verifier tests: a checker with scripted answers per domain that can
// hold a check, a sink that records reports and can hold or fail, a manual clock, and
// a fixture that owns them with a real io_context. Test code only; the test's thread.
#pragma once
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dns/verifier.hpp"
#include "dns_wire.hpp"
#include "support/test_io.hpp"

namespace mfrelay::dns::test {

namespace asio = boost::asio;
using policy::dns_outcome;
using policy::mail_from_status;

inline dns_check answer(dns_outcome mx_outcome, std::vector<policy::mx_record> records = {}) {
  dns_check c;
  c.mx = {mx_outcome, std::move(records)};
  c.txt = {dns_outcome::ok, {"v=spf1 include:amazonses.com ~all"}};
  return c;
}
inline dns_check passing() { return answer(dns_outcome::ok, {{10, feedback}}); }
inline dns_check wrong_exchange() { return answer(dns_outcome::ok, {{10, "mx.elsewhere.example"}}); }

// Waiters park on a timer that never expires; cancel() wakes them to look again.
struct gate {
  explicit gate(asio::io_context& io) : timer(io, asio::steady_timer::time_point::max()) {}
  asio::awaitable<void> wait() { co_await timer.async_wait(asio::as_tuple(asio::use_awaitable)); }
  void open() { timer.cancel(); }
  asio::steady_timer timer;
};

struct fake_checker final : mail_from_checker {
  explicit fake_checker(asio::io_context& io) : io_(io), gate_(io) {}

  std::map<std::string, dns_check> answers;  // by domain; missing: both lookups time out
  std::set<std::string> held;                // checks of these domains wait for release()
  std::chrono::milliseconds delay{0};        // every check takes this long
  std::map<std::string, int> calls;
  int running = 0, max_running = 0;

  void release(const std::string& domain) {
    held.erase(domain);
    gate_.open();
  }
  void release_all() {
    held.clear();
    gate_.open();
  }

  asio::awaitable<dns_check> check(std::string domain) override {
    ++calls[domain];
    max_running = std::max(max_running, ++running);
    if (delay.count() > 0) {
      asio::steady_timer t(io_, delay);
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    while (held.count(domain)) co_await gate_.wait();
    --running;
    auto it = answers.find(domain);
    co_return it == answers.end() ? answer(dns_outcome::timeout) : it->second;
  }

 private:
  asio::io_context& io_;
  gate gate_;
};

struct fake_sink final : verification_sink {
  explicit fake_sink(asio::io_context& io) : gate_(io) {}

  std::vector<check_report> reports;  // appended when record() is called
  int completed = 0;                  // record() calls that returned
  bool hold = false;                  // record() waits for release()
  bool fail_next = false;             // the next record() throws

  void release() {
    hold = false;
    gate_.open();
  }

  asio::awaitable<void> record(const check_report& report) override {
    reports.push_back(report);
    if (std::exchange(fail_next, false)) throw std::runtime_error("disk full");
    while (hold) co_await gate_.wait();
    ++completed;
  }

  std::vector<check_report> for_domain(const std::string& domain) const {
    std::vector<check_report> out;
    for (const auto& r : reports)
      if (r.mail_from_domain == domain) out.push_back(r);
    return out;
  }

 private:
  gate gate_;
};

inline const policy::timestamp t0{std::chrono::hours(24 * 365 * 50)};
inline const policy::verification_state pending{policy::mail_from_status::pending, t0};
inline const policy::verification_state success{policy::mail_from_status::success, t0};
inline const policy::verification_state temp_failure{policy::mail_from_status::temporary_failure, t0};
inline const policy::verification_state failed{policy::mail_from_status::failed, t0};

inline verifier_settings quick_settings() {
  verifier_settings s;
  s.expected_exchange = feedback;
  s.spf_include = "amazonses.com";
  s.window = std::chrono::hours(1);  // crossed by moving the manual clock
  s.pending_interval = std::chrono::seconds(10);
  s.success_interval = std::chrono::seconds(10);
  s.retry_interval = std::chrono::seconds(10);
  s.concurrency = 8;
  s.jitter = 0;
  return s;
}

inline verification_target target(std::string identity, std::string domain, policy::verification_state state,
                                  std::optional<policy::timestamp> last_check = std::nullopt) {
  return {std::move(identity), std::move(domain), state, last_check};
}

struct verifier_fixture {
  asio::io_context io;
  policy::timestamp now = t0;  // the verifier's clock; tests move it by hand
  fake_checker checker{io};
  fake_sink sink{io};
  std::unique_ptr<verifier> v;

  void start(verifier_settings s = quick_settings()) {
    v = std::make_unique<verifier>(io.get_executor(), checker, sink, std::move(s), [this] { return now; });
  }
  bool run_until_reports(std::size_t n, std::chrono::milliseconds limit = std::chrono::seconds(2)) {
    return run_until(io, [&] { return static_cast<std::size_t>(sink.completed) >= n; }, limit);
  }

  // Checker and sink must outlive the checks in flight: stop, let them drain, then destroy.
  ~verifier_fixture() {
    if (!v) return;
    v->stop();
    checker.release_all();
    sink.release();
    bool idle = false;
    asio::co_spawn(io, v->wait_idle(), [&](std::exception_ptr) { idle = true; });
    run_until(io, [&] { return idle; });
    v.reset();
  }
};

}  // namespace mfrelay::dns::test
