// The verifier driving DKIM targets: the same schedule and state machine as
// MAIL FROM, with a target_checker whose TXT answers a test scripts per name
// and policy::evaluate_dkim judging them. Manual clock for the window.
#include <doctest/doctest.h>

#include "dns/dkim_checker.hpp"
#include "policy/dkim_check.hpp"
#include "verifier_fakes.hpp"

namespace mfrelay::dns {
namespace {

using namespace std::chrono_literals;
using namespace test;
using policy::check_result;

constexpr const char* dkim_key_b64 = "MIIBkey";

// The lookups of dkim_checker, scripted: a name without an answer is NXDOMAIN.
struct scripted_dkim_checker final : target_checker {
  std::map<std::string, policy::txt_answer> txt;
  asio::awaitable<checked_target> check(const verification_target& t) override {
    checked_target out;
    out.answers.selector_names = dkim_names(t.identity, t.mail_from_domain);
    for (const auto& name : out.answers.selector_names) {
      auto it = txt.find(name);
      out.answers.selectors.push_back(it != txt.end() ? it->second : policy::txt_answer{dns_outcome::nxdomain, {}});
    }
    out.evidence = policy::evaluate_dkim(out.answers.selector_names, out.answers.selectors, t.expected_key);
    co_return out;
  }
  void publish(const std::string& token, std::string value = std::string("v=DKIM1; k=rsa; p=") + dkim_key_b64) {
    txt[token + "._domainkey.example.com"] = {dns_outcome::ok, {std::move(value)}};
  }
};

TEST_CASE("verifier with DKIM targets: PENDING -> SUCCESS -> TEMPORARY_FAILURE -> FAILED, resolver trouble moves nothing") {
  asio::io_context io;
  policy::timestamp now = t0;
  scripted_dkim_checker checker;
  fake_sink sink{io};
  auto s = quick_settings();
  s.pending_interval = s.success_interval = s.retry_interval = 20ms;
  auto v = std::make_unique<verifier>(io.get_executor(), static_cast<target_checker&>(checker), sink, s,
                                      [&] { return now; });
  v->update_targets({{"example.com", "a b c", policy::initial_state(t0), std::nullopt, dkim_key_b64}});
  auto run_reports = [&](std::size_t n) {
    return run_until(io, [&] { return static_cast<std::size_t>(sink.completed) >= n; }, 2s);
  };
  auto last = [&] { return sink.reports.back(); };

  // Nothing published: fail, but PENDING stays until the window is over.
  REQUIRE(run_reports(1));
  CHECK(last().evidence.result == check_result::fail);
  CHECK(v->state_of("example.com")->status == mail_from_status::pending);

  // Two of three are not enough (SES needs all tokens).
  checker.publish("a");
  checker.publish("b");
  REQUIRE(run_reports(sink.reports.size() + 1));
  CHECK(last().evidence.reason == "c._domainkey.example.com: NXDOMAIN");
  CHECK(v->state_of("example.com")->status == mail_from_status::pending);

  checker.publish("c");
  REQUIRE(run_until(io, [&] { return v->state_of("example.com")->status == mail_from_status::success; }, 2s));
  CHECK(last().transition.changed);

  // A timeout on one name: inconclusive, SUCCESS stays.
  checker.txt["b._domainkey.example.com"] = {dns_outcome::timeout, {}};
  REQUIRE(run_reports(sink.reports.size() + 1));
  CHECK(last().evidence.result == check_result::inconclusive);
  CHECK(v->state_of("example.com")->status == mail_from_status::success);

  // Another key at one name: TEMPORARY_FAILURE, then FAILED once the window passed.
  checker.publish("b", "v=DKIM1; k=rsa; p=MIIBother");
  REQUIRE(run_until(io, [&] { return v->state_of("example.com")->status == mail_from_status::temporary_failure; }, 2s));
  CHECK(last().evidence.reason == "b._domainkey.example.com: another public key");
  now += s.window;
  REQUIRE(run_until(io, [&] { return v->state_of("example.com")->status == mail_from_status::failed; }, 2s));

  v->stop();
  bool idle = false;
  asio::co_spawn(io, v->wait_idle(), [&](std::exception_ptr) { idle = true; });
  run_until(io, [&] { return idle; });
}

}  // namespace
}  // namespace mfrelay::dns
