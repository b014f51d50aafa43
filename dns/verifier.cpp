#include "dns/verifier.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <random>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dns/check_schedule.hpp"
#include "policy/mail_from_check.hpp"

namespace mfrelay::dns {
namespace asio = boost::asio;

namespace {

// One (identity, MAIL FROM domain). Replaced, never edited, when the setting changes,
// so a check still running for the old setting can tell (`stopped`) and drop its result.
struct target_entry {
  target_entry(const asio::any_io_executor& ex, verification_target t) : target(std::move(t)), timer(ex) {}

  verification_target target;  // target.state is the adopted (recorded) state
  asio::steady_timer timer;    // until the next check is due
  std::uint64_t wake = 0;      // bumped on every (re)schedule: a stale timer completion is ignored
  bool queued = false;         // waiting in the ready queue for a slot
  bool in_flight = false;      // a check (DNS, then sink) is running
  bool recheck = false;        // check_now() during a check: another follows it at once
  bool stopped = false;        // removed, replaced, or the verifier stopped
};
using entry_ptr = std::shared_ptr<target_entry>;

}  // namespace

struct verifier::core : std::enable_shared_from_this<core> {
  core(asio::any_io_executor ex, mail_from_checker& checker, verification_sink& sink, verifier_settings settings,
       std::function<policy::timestamp()> clock)
      : ex_(ex),
        checker_(checker),
        sink_(sink),
        settings_(std::move(settings)),
        clock_(std::move(clock)),
        intervals_{settings_.pending_interval, settings_.success_interval, settings_.retry_interval, settings_.jitter},
        idle_(ex),
        rng_(std::random_device{}()) {
    idle_.expires_at(asio::steady_timer::time_point::max());
  }

  void update_targets(std::vector<verification_target> targets) {
    if (stopped_) return;
    std::map<std::string, verification_target, std::less<>> wanted;
    for (auto& t : targets) {
      std::string key = t.identity;
      wanted.insert_or_assign(std::move(key), std::move(t));
    }
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto w = wanted.find(it->first);
      const auto& held = it->second->target;
      if (w != wanted.end() && w->second.mail_from_domain == held.mail_from_domain && w->second.state == held.state) {
        wanted.erase(w);  // unchanged: keep its schedule
        ++it;
      } else {
        stop_entry(*it->second);
        it = entries_.erase(it);
      }
    }
    const auto now = clock_();
    for (auto& [identity, t] : wanted) {
      auto e = std::make_shared<target_entry>(ex_, std::move(t));
      entries_.emplace(identity, e);
      if (auto delay = first_delay(intervals_, e->target.state, e->target.last_check, now, unit())) schedule(e, *delay);
    }
  }

  bool check_now(std::string_view identity) {
    auto it = entries_.find(identity);
    if (stopped_ || it == entries_.end()) return false;
    auto& e = it->second;
    if (e->target.state.status == policy::mail_from_status::failed) return false;
    if (e->in_flight)
      e->recheck = true;
    else
      schedule(e, policy::duration::zero());
    return true;
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    for (auto& entry : entries_) stop_entry(*entry.second);
    entries_.clear();
    ready_.clear();
    if (in_flight_ == 0) idle_.cancel();
  }

  static asio::awaitable<void> wait_idle(std::shared_ptr<core> self) {
    // idle_ never expires; it is cancelled whenever the last check in flight ends.
    while (self->in_flight_ > 0) co_await self->idle_.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  std::optional<policy::verification_state> state_of(std::string_view identity) const {
    auto it = entries_.find(identity);
    if (it == entries_.end()) return std::nullopt;
    return it->second->target.state;
  }

  double unit() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }

  static void stop_entry(target_entry& e) {
    e.stopped = true;
    ++e.wake;
    e.timer.cancel();
  }

  void schedule(const entry_ptr& e, policy::duration delay) {
    const std::uint64_t wake = ++e->wake;
    e->timer.expires_after(std::max(delay, policy::duration::zero()));
    // Weak: a timer must not keep a removed target or a destroyed verifier alive.
    e->timer.async_wait([weak_core = weak_from_this(), weak_entry = std::weak_ptr(e), wake](boost::system::error_code) {
      auto self = weak_core.lock();
      auto entry = weak_entry.lock();
      if (!self || !entry || entry->wake != wake) return;  // rescheduled, stopped or gone
      self->enqueue(entry);
    });
  }

  void enqueue(const entry_ptr& e) {
    if (stopped_ || e->stopped || e->queued || e->in_flight) return;
    e->queued = true;
    ready_.push_back(e);
    pump();
  }

  // Starts queued checks, oldest first, while there are free lookup slots.
  void pump() {
    const std::size_t limit = std::max(1u, settings_.concurrency);
    while (!stopped_ && lookups_ < limit && !ready_.empty()) {
      entry_ptr e = std::move(ready_.front());
      ready_.pop_front();
      e->queued = false;
      if (e->stopped) continue;
      e->in_flight = true;
      ++in_flight_;
      ++lookups_;
      asio::co_spawn(ex_, run_check(shared_from_this(), std::move(e)), asio::detached);
    }
  }

  // Frees a check's lookup slot, once, and lets the next queued check take it.
  void release_slot(bool& held) {
    if (!std::exchange(held, false)) return;
    --lookups_;
    pump();
  }

  // Holds a lookup slot until the answers are in (check_once frees it) and counts
  // the check in flight until the sink is done; frees both on every path.
  static asio::awaitable<void> run_check(std::shared_ptr<core> self, entry_ptr e) {
    bool slot = true;
    try {
      co_await self->check_once(e, slot);
    } catch (...) {
      // The checker or the sink failed (a broken store, say): nothing was adopted.
      ++self->failed_;
      if (!e->stopped) self->schedule(e, jittered(self->intervals_.retry, self->intervals_.jitter, self->unit()));
    }
    e->in_flight = false;
    self->release_slot(slot);
    if (--self->in_flight_ == 0) self->idle_.cancel();
  }

  asio::awaitable<void> check_once(entry_ptr e, bool& slot) {
    const verification_target target = e->target;  // the state this check starts from
    dns_check answers = co_await checker_.check(target.mail_from_domain);
    // The lookups are done: the next check's go out while the sink writes this one.
    release_slot(slot);
    if (e->stopped) co_return;  // removed, replaced or stopped meanwhile: the result is stale

    check_report report;
    report.identity = target.identity;
    report.mail_from_domain = target.mail_from_domain;
    report.before = target.state;
    report.checked_at = clock_();
    report.evidence =
        policy::evaluate_mail_from(answers.mx, answers.txt, settings_.expected_exchange, settings_.spf_include);
    report.transition = policy::advance(target.state, report.evidence.result, report.checked_at, settings_.window);
    report.answers = std::move(answers);

    // Durable before used: the state is adopted only once the sink has it.
    co_await sink_.record(report);
    ++completed_;
    if (e->stopped) co_return;
    e->target.state = report.transition.state;
    e->target.last_check = report.checked_at;

    auto next = interval_after(intervals_, report.transition, unit());
    if (next && std::exchange(e->recheck, false)) next = policy::duration::zero();
    // Anchored at checked_at: a slow sink does not push the schedule back.
    if (next) schedule(e, *next - (clock_() - report.checked_at));
  }

  asio::any_io_executor ex_;
  mail_from_checker& checker_;
  verification_sink& sink_;
  const verifier_settings settings_;
  const std::function<policy::timestamp()> clock_;
  const check_intervals intervals_;
  asio::steady_timer idle_;
  std::mt19937_64 rng_;  // jitter only; not security-relevant

  std::map<std::string, entry_ptr, std::less<>> entries_;  // by identity
  std::deque<entry_ptr> ready_;                             // due, waiting for a slot (FIFO)
  bool stopped_ = false;
  std::size_t lookups_ = 0;                  // checks holding a slot: DNS lookups in flight
  std::atomic<std::size_t> in_flight_{0};   // checks running, sink included
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> failed_{0};
};

verifier::verifier(asio::any_io_executor ex, mail_from_checker& checker, verification_sink& sink,
                   verifier_settings settings, std::function<policy::timestamp()> clock)
    : core_(std::make_shared<core>(std::move(ex), checker, sink, std::move(settings), std::move(clock))) {}

verifier::~verifier() { core_->stop(); }

void verifier::update_targets(std::vector<verification_target> targets) { core_->update_targets(std::move(targets)); }
bool verifier::check_now(std::string_view identity) { return core_->check_now(identity); }
void verifier::stop() { core_->stop(); }
asio::awaitable<void> verifier::wait_idle() { return core::wait_idle(core_); }

std::optional<policy::verification_state> verifier::state_of(std::string_view identity) const {
  return core_->state_of(identity);
}

std::size_t verifier::checks_in_flight() const { return core_->in_flight_; }
std::uint64_t verifier::checks_completed() const { return core_->completed_; }
std::uint64_t verifier::checks_failed() const { return core_->failed_; }

}  // namespace mfrelay::dns
