#include "relay/verification/verification_service.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "relay/common/clock.hpp"
#include "relay/verification/reconcile.hpp"

namespace mfrelay::relay {
namespace {

dns::verifier_settings settings_of(const policy::config& cfg) {
  const auto& v = cfg.verification;
  dns::verifier_settings s;
  s.expected_exchange = cfg.feedback_host();
  s.spf_include = v.spf_include;
  s.window = v.window;
  s.pending_interval = v.pending_interval;
  s.success_interval = v.success_interval;
  s.retry_interval = v.retry_interval;
  s.concurrency = v.concurrency;
  return s;
}

}  // namespace

verification_service::verification_service(boost::asio::any_io_executor io, boost::asio::any_io_executor store_executor,
                                           state_store& store, live_view& view, event_log& events,
                                           relay_metrics& metrics)
    : io_(io),
      store_(store),
      view_(view),
      recorder_(store, std::move(store_executor), view, events, metrics),
      strand_(io),
      metrics_(metrics) {}

void verification_service::load() { recorder_.load(store_.load_all()); }

boost::asio::awaitable<void> verification_service::reconcile() {
  auto cfg = view_.config();  // holds the identities plan.starts point into
  const policy::timestamp at = now();
  reconciliation plan = relay::reconcile(*cfg, recorder_.all(), at);
  // New settings are written in chunks, each durable before the next is
  // built: a first start with 10^5 identities would otherwise hold every
  // state_write (with its strings) at once, at the daemon's peak of memory.
  constexpr std::size_t chunk = 4096;
  std::vector<std::string> removed = std::move(plan.removed);
  std::size_t next = 0;
  do {
    const std::size_t end = std::min(plan.starts.size(), next + chunk);
    std::vector<state_write> writes;
    writes.reserve(end - next);
    for (; next < end; ++next) writes.push_back(start_write(plan.starts[next], at));
    co_await recorder_.apply(std::move(writes), std::exchange(removed, {}));
  } while (next < plan.starts.size());
  plan.starts = {};
  spdlog::info("verifying {} MAIL FROM domains", plan.targets.size());
  // The verifier lives on its strand: run the update there. (A member
  // coroutine with by-value parameters, not a capturing lambda: GCC 12
  // mishandles init-captures of coroutine locals.)
  co_await boost::asio::co_spawn(strand_, update_targets(cfg, std::move(plan.targets)), boost::asio::use_awaitable);
}

boost::asio::awaitable<void> verification_service::update_targets(std::shared_ptr<const policy::config> cfg,
                                                                  std::vector<dns::verification_target> targets) {
  if (!verifier_) {
    // The resolver and verifier settings come from the configuration at
    // start; [dns] and [verification] changes need a restart.
    resolver_ = std::make_unique<dns::resolver>(strand_,
                                                dns::resolver_options{cfg->dns.servers, cfg->dns.timeout, cfg->dns.tries});
    checker_ = std::make_unique<dns::resolver_mail_from_checker>(*resolver_);
    timed_ = std::make_unique<timed_checker>(*checker_, metrics_);
    verifier_ = std::make_unique<dns::verifier>(strand_, *timed_, recorder_, settings_of(*cfg), [] { return now(); });
  }
  verifier_->update_targets(std::move(targets));
  co_return;
}

boost::asio::awaitable<bool> verification_service::check_now(std::string identity) {
  co_return co_await boost::asio::co_spawn(strand_, check_on_strand(std::move(identity)), boost::asio::use_awaitable);
}

boost::asio::awaitable<bool> verification_service::check_on_strand(std::string identity) {
  co_return verifier_ && verifier_->check_now(identity);
}

boost::asio::awaitable<void> verification_service::stop() {
  co_await boost::asio::co_spawn(strand_, stop_on_strand(), boost::asio::use_awaitable);
}

boost::asio::awaitable<void> verification_service::stop_on_strand() {
  if (!verifier_) co_return;
  verifier_->stop();
  resolver_->shutdown();
  co_await verifier_->wait_idle();
  verifier_.reset();
  timed_.reset();
  checker_.reset();
  resolver_.reset();
}

}  // namespace mfrelay::relay
