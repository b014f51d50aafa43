#include "relay/verification/verification_service.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "relay/common/clock.hpp"
#include "relay/verification/dkim_reconcile.hpp"
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
                                           relay_metrics& metrics, state_store* dkim_store,
                                           const dkim::dkim_key_store* dkim_keys)
    : io_(io),
      store_(store),
      view_(view),
      recorder_(store, store_executor, view, events, metrics),
      strand_(io),
      metrics_(metrics),
      dkim_keys_(dkim_store ? dkim_keys : nullptr) {
  if (dkim_keys_)
    dkim_recorder_ = std::make_unique<verification_recorder>(*dkim_store, std::move(store_executor), view, events,
                                                             metrics, verification_kind::dkim);
}

void verification_service::load() {
  recorder_.load(store_.load_all());
  if (dkim_recorder_) dkim_recorder_->load(dkim_recorder_->all());
}

boost::asio::awaitable<void> verification_service::reconcile() {
  auto cfg = view_.config();  // holds the identities plan.starts point into
  const policy::timestamp at = now();
  std::vector<dns::verification_target> targets;
  co_await reconcile_mail_from(cfg, at, targets);
  std::vector<dns::verification_target> dkim_targets;
  if (dkim_recorder_) {
    dkim_reconciliation dkim_plan = reconcile_dkim(
        *cfg, dkim_recorder_->all(), [this](const std::string& domain) { return dkim_keys_->find(domain); }, at);
    co_await dkim_recorder_->apply(std::move(dkim_plan.starts), std::move(dkim_plan.removed));
    spdlog::info("verifying the DKIM records of {} identities", dkim_plan.targets.size());
    dkim_targets = std::move(dkim_plan.targets);
  }
  // The verifiers live on their strand: run the update there. (A member
  // coroutine with by-value parameters, not a capturing lambda: GCC 12
  // mishandles init-captures of coroutine locals.)
  co_await boost::asio::co_spawn(strand_, update_targets(cfg, std::move(targets), std::move(dkim_targets)),
                                 boost::asio::use_awaitable);
}

boost::asio::awaitable<void> verification_service::reconcile_mail_from(std::shared_ptr<const policy::config> cfg,
                                                                       policy::timestamp at,
                                                                       std::vector<dns::verification_target>& targets) {
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
  if (mail_from_checks_.load()) spdlog::info("verifying {} MAIL FROM domains", plan.targets.size());
  else spdlog::info("not the verifier: {} MAIL FROM domains are read from the shared store", plan.targets.size());
  targets = std::move(plan.targets);
}

boost::asio::awaitable<void> verification_service::update_targets(std::shared_ptr<const policy::config> cfg,
                                                                  std::vector<dns::verification_target> targets,
                                                                  std::vector<dns::verification_target> dkim_targets) {
  if (!verifier_) {
    // The resolver and verifier settings come from the configuration at
    // start; [dns] and [verification] changes need a restart.
    resolver_ = std::make_unique<dns::resolver>(strand_,
                                                dns::resolver_options{cfg->dns.servers, cfg->dns.timeout, cfg->dns.tries});
    checker_ = std::make_unique<dns::resolver_mail_from_checker>(*resolver_);
    timed_ = std::make_unique<timed_checker>(*checker_, metrics_);
    verifier_ = std::make_unique<dns::verifier>(strand_, *timed_, recorder_, settings_of(*cfg), [] { return now(); });
    if (dkim_recorder_) {
      // The same schedule, window and rules as MAIL FROM ([verification] keys).
      dkim_checker_ = std::make_unique<dns::dkim_checker>(*resolver_);
      dkim_verifier_ = std::make_unique<dns::verifier>(strand_, static_cast<dns::target_checker&>(*dkim_checker_),
                                                       *dkim_recorder_, settings_of(*cfg), [] { return now(); });
    }
  }
  // Not the verifier (a shared store): no MAIL FROM target, so no MAIL FROM
  // check runs here and none in flight is recorded.
  if (!mail_from_checks_.load()) targets.clear();
  verifier_->update_targets(std::move(targets));
  if (dkim_verifier_) dkim_verifier_->update_targets(std::move(dkim_targets));
  co_return;
}

boost::asio::awaitable<bool> verification_service::check_now(std::string identity) {
  co_return co_await boost::asio::co_spawn(strand_, check_on_strand(std::move(identity), false),
                                           boost::asio::use_awaitable);
}

boost::asio::awaitable<bool> verification_service::check_dkim_now(std::string identity) {
  co_return co_await boost::asio::co_spawn(strand_, check_on_strand(std::move(identity), true),
                                           boost::asio::use_awaitable);
}

boost::asio::awaitable<bool> verification_service::check_on_strand(std::string identity, bool dkim) {
  if (dkim) co_return dkim_verifier_ && dkim_verifier_->check_now(identity);
  co_return verifier_ && verifier_->check_now(identity);
}

boost::asio::awaitable<void> verification_service::stop() {
  co_await boost::asio::co_spawn(strand_, stop_on_strand(), boost::asio::use_awaitable);
}

boost::asio::awaitable<void> verification_service::stop_on_strand() {
  if (!verifier_) co_return;
  verifier_->stop();
  if (dkim_verifier_) dkim_verifier_->stop();
  resolver_->shutdown();
  co_await verifier_->wait_idle();
  if (dkim_verifier_) co_await dkim_verifier_->wait_idle();
  dkim_verifier_.reset();
  dkim_checker_.reset();
  verifier_.reset();
  timed_.reset();
  checker_.reset();
  resolver_.reset();
}

}  // namespace mfrelay::relay
