// Wraps the DNS half of a MAIL FROM check to count it and time it for
// /metrics (outcome of the MX lookup, duration histogram). Same threading as
// the checker it wraps: called on the verifier's executor.
#pragma once
#include <chrono>

#include "dns/mail_from_checker.hpp"
#include "relay/metrics/relay_metrics.hpp"

namespace mfrelay::relay {

class timed_checker final : public dns::mail_from_checker {
 public:
  timed_checker(dns::mail_from_checker& inner, relay_metrics& metrics) : inner_(inner), metrics_(metrics) {}

  boost::asio::awaitable<dns::dns_check> check(std::string domain) override {
    auto started = std::chrono::steady_clock::now();
    dns::dns_check answers = co_await inner_.check(std::move(domain));
    metrics_.dns_check_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    co_return answers;
  }

 private:
  dns::mail_from_checker& inner_;
  relay_metrics& metrics_;
};

}  // namespace mfrelay::relay
