#include "dns/verifier.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <random>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dns/check_schedule.hpp"
#include "dns/deadline_queue.hpp"
#include "policy/name_index.hpp"

namespace mfrelay::dns {
namespace asio = boost::asio;

namespace {

// One (identity, MAIL FROM domain), in a slot of core::entries_. A slot is
// freed when its target is removed or replaced and may then hold another
// target: a check still running for the old one holds its slot and
// generation (a check_ref), and finds the generation changed.
struct target_entry {
  verification_target target;    // target.state is the adopted (recorded) state
  std::uint64_t generation = 0;  // 0: a free slot
  bool queued = false;           // waiting in the ready queue for a lookup slot
  bool in_flight = false;        // a check (DNS, then sink) is running
  bool recheck = false;          // check_now() during a check: another follows it at once
};

struct check_ref {
  std::uint32_t slot = 0;
  std::uint64_t generation = 0;
};

}  // namespace

// Memory: with 10^5 targets, one steady_timer, shared_ptr and map node per
// target cost about a third of the daemon's peak. Targets are plain values in
// one vector instead, found by name through one flat index, and every pending
// check waits in one deadline_queue behind one timer.
struct verifier::core : std::enable_shared_from_this<core> {
  using steady = std::chrono::steady_clock;

  core(asio::any_io_executor ex, target_checker& checker, verification_sink& sink, verifier_settings settings,
       std::function<policy::timestamp()> clock, std::unique_ptr<target_checker> owned = nullptr)
      : ex_(ex),
        owned_checker_(std::move(owned)),
        checker_(checker),
        sink_(sink),
        settings_(std::move(settings)),
        clock_(std::move(clock)),
        intervals_{settings_.pending_interval, settings_.success_interval, settings_.retry_interval, settings_.jitter},
        idle_(ex),
        wake_timer_(ex),
        rng_(std::random_device{}()) {
    idle_.expires_at(asio::steady_timer::time_point::max());
  }

  target_entry* live(check_ref r) {
    if (r.slot >= entries_.size() || entries_[r.slot].generation != r.generation) return nullptr;
    return &entries_[r.slot];
  }

  std::size_t slot_of(std::string_view identity) const {
    const std::size_t slot = by_identity_.find(identity);
    return slot != policy::name_index::npos && entries_[slot].generation != 0 ? slot : policy::name_index::npos;
  }

  void update_targets(std::vector<verification_target> targets) {
    if (stopped_) return;
    // One target per identity, the last one given winning (as a map would).
    std::vector<std::uint32_t> order(targets.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return targets[a].identity < targets[b].identity; });
    std::vector<char> skip(targets.size(), 0);
    for (std::size_t i = 0; i + 1 < order.size(); ++i) {
      if (targets[order[i]].identity == targets[order[i + 1]].identity) skip[order[i]] = 1;
    }
    order = {};

    // Unchanged targets keep their slot and schedule; the rest are replaced.
    std::vector<char> kept(entries_.size(), 0);
    std::size_t added = 0;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (skip[i]) continue;
      const std::size_t slot = slot_of(targets[i].identity);
      if (slot != policy::name_index::npos && entries_[slot].target.mail_from_domain == targets[i].mail_from_domain &&
          entries_[slot].target.state == targets[i].state &&
          entries_[slot].target.expected_key == targets[i].expected_key) {
        kept[slot] = 1;
        skip[i] = 1;
      } else {
        ++added;
      }
    }
    bool removed = false;
    for (std::uint32_t slot = 0; slot < entries_.size(); ++slot) {
      if (entries_[slot].generation == 0 || kept[slot]) continue;
      free_slot(slot);
      removed = true;
    }
    kept = {};
    if (added > free_.size()) entries_.reserve(entries_.size() + added - free_.size());

    const auto now = clock_();
    std::vector<std::uint32_t> new_slots;
    new_slots.reserve(added);
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (skip[i]) continue;
      std::uint32_t slot;
      if (!free_.empty()) {
        slot = free_.back();
        free_.pop_back();
      } else {
        slot = static_cast<std::uint32_t>(entries_.size());
        entries_.emplace_back();
      }
      target_entry& e = entries_[slot];
      e.target = std::move(targets[i]);
      e.generation = next_generation_++;
      new_slots.push_back(slot);
    }
    targets = {};
    skip = {};
    if (removed) {
      // The index cannot forget a name: build it again over the slots in use.
      by_identity_ = policy::name_index{};
      for (std::uint32_t slot = 0; slot < entries_.size(); ++slot) {
        if (entries_[slot].generation != 0) by_identity_.insert(entries_[slot].target.identity, slot);
      }
    } else {
      for (std::uint32_t slot : new_slots) by_identity_.insert(entries_[slot].target.identity, slot);
    }
    // Spread evenly in the order given, not at random: the store's rows were
    // written in that order (a reconcile), so a first pass over 10^5 settings
    // rewrites a few neighbouring pages per group commit instead of one page
    // per row all over the file (scripts/bench verify 100000 wrote ~1.9 GB).
    // Those starting in the first-check window and those waiting for their
    // interval are spread each over their own range, by rank among themselves.
    const auto in_window = [&](std::uint32_t slot) {
      const target_entry& e = entries_[slot];
      return starts_in_window(intervals_, e.target.state, e.target.last_check, now) ? 1 : 0;
    };
    std::size_t group_size[2] = {0, 0};
    for (std::uint32_t slot : new_slots) ++group_size[in_window(slot)];
    std::size_t rank[2] = {0, 0};
    for (std::uint32_t slot : new_slots) {
      const target_entry& e = entries_[slot];
      const int g = in_window(slot);
      const double u = static_cast<double>(rank[g]++) / static_cast<double>(group_size[g]);
      if (auto delay = first_delay(intervals_, e.target.state, e.target.last_check, now, u)) schedule(slot, *delay);
    }
  }

  bool check_now(std::string_view identity) {
    const std::size_t slot = slot_of(identity);
    if (stopped_ || slot == policy::name_index::npos) return false;
    target_entry& e = entries_[slot];
    if (e.target.state.status == policy::mail_from_status::failed) return false;
    if (e.in_flight)
      e.recheck = true;
    else
      schedule(static_cast<std::uint32_t>(slot), policy::duration::zero());
    return true;
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    due_.clear();
    entries_ = {};
    free_ = {};
    by_identity_ = policy::name_index{};
    ready_.clear();
    wake_timer_.cancel();
    if (in_flight_ == 0) idle_.cancel();
  }

  static asio::awaitable<void> wait_idle(std::shared_ptr<core> self) {
    // idle_ never expires; it is cancelled whenever the last check in flight ends.
    while (self->in_flight_ > 0) co_await self->idle_.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  std::optional<policy::verification_state> state_of(std::string_view identity) const {
    const std::size_t slot = slot_of(identity);
    if (slot == policy::name_index::npos) return std::nullopt;
    return entries_[slot].target.state;
  }

  double unit() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }

  // A removed or replaced target: its schedule goes, and a check of it in
  // flight or queued finds the generation changed.
  void free_slot(std::uint32_t slot) {
    due_.cancel(slot);
    entries_[slot] = target_entry{};
    free_.push_back(slot);
  }

  void schedule(std::uint32_t slot, policy::duration delay) {
    due_.schedule(slot, steady::now() + std::max(delay, policy::duration::zero()));
    arm();
  }

  // Keeps the one timer set for the earliest deadline. A wait armed for a
  // later time is replaced (expires_at cancels it); its handler then finds
  // arm_seq_ moved on and does nothing.
  void arm() {
    const auto next = due_.next_due();
    if (!next || (armed_for_ && *armed_for_ <= *next)) return;
    armed_for_ = *next;
    const std::uint64_t seq = ++arm_seq_;
    wake_timer_.expires_at(*next);
    // Weak: the timer must not keep a destroyed verifier alive.
    wake_timer_.async_wait([weak_core = weak_from_this(), seq](boost::system::error_code) {
      auto self = weak_core.lock();
      if (!self || self->stopped_ || seq != self->arm_seq_) return;
      self->armed_for_.reset();
      self->fire();
    });
  }

  // Moves every target now due to the ready queue, then waits for the next.
  void fire() {
    const auto now = steady::now();
    while (auto slot = due_.pop_due(now)) enqueue(*slot);
    arm();
  }

  void enqueue(std::uint32_t slot) {
    if (stopped_ || slot >= entries_.size()) return;
    target_entry& e = entries_[slot];
    if (e.generation == 0 || e.queued || e.in_flight) return;
    e.queued = true;
    ready_.push_back({slot, e.generation});
    pump();
  }

  // Starts queued checks, oldest first, while there are free lookup slots.
  void pump() {
    const std::size_t limit = std::max(1u, settings_.concurrency);
    const std::size_t backlog = limit * std::max(1u, settings_.backlog_per_slot);
    while (!stopped_ && lookups_ < limit && in_flight_ < backlog && !ready_.empty()) {
      const check_ref r = ready_.front();
      ready_.pop_front();
      target_entry* e = live(r);
      if (!e) continue;  // removed or replaced while it waited
      e->queued = false;
      e->in_flight = true;
      ++in_flight_;
      ++lookups_;
      asio::co_spawn(ex_, run_check(shared_from_this(), r), asio::detached);
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
  static asio::awaitable<void> run_check(std::shared_ptr<core> self, check_ref r) {
    bool slot = true;
    try {
      co_await self->check_once(r, slot);
    } catch (...) {
      // The checker or the sink failed (a broken store, say): nothing was adopted.
      ++self->failed_;
      if (self->live(r)) self->schedule(r.slot, jittered(self->intervals_.retry, self->intervals_.jitter, self->unit()));
    }
    if (target_entry* e = self->live(r)) e->in_flight = false;
    self->release_slot(slot);
    if (--self->in_flight_ == 0) self->idle_.cancel();
    self->pump();  // the backlog has room again
  }

  // entries_ may grow (update_targets) while this waits: it holds a check_ref
  // and looks its entry up again after every co_await, never a reference.
  asio::awaitable<void> check_once(check_ref r, bool& slot) {
    const target_entry* held = live(r);
    if (!held) co_return;
    const verification_target target = held->target;  // the state this check starts from
    checked_target checked = co_await checker_.check(target);
    // The lookups are done: the next check's go out while the sink writes this one.
    release_slot(slot);
    if (!live(r)) co_return;  // removed, replaced or stopped meanwhile: the result is stale

    check_report report;
    report.identity = target.identity;
    report.mail_from_domain = target.mail_from_domain;
    report.before = target.state;
    report.checked_at = clock_();
    report.evidence = std::move(checked.evidence);
    report.transition = policy::advance(target.state, report.evidence.result, report.checked_at, settings_.window);
    report.answers = std::move(checked.answers);

    // Durable before used: the state is adopted only once the sink has it.
    co_await sink_.record(report);
    ++completed_;
    target_entry* e = live(r);
    if (!e) co_return;
    e->target.state = report.transition.state;
    e->target.last_check = report.checked_at;

    auto next = interval_after(intervals_, report.transition, unit());
    if (next && std::exchange(e->recheck, false)) next = policy::duration::zero();
    // Anchored at checked_at: a slow sink does not push the schedule back.
    if (next) schedule(r.slot, *next - (clock_() - report.checked_at));
  }

  asio::any_io_executor ex_;
  const std::unique_ptr<target_checker> owned_checker_;  // the MAIL FROM adapter, when the verifier made it
  target_checker& checker_;
  verification_sink& sink_;
  const verifier_settings settings_;
  const std::function<policy::timestamp()> clock_;
  const check_intervals intervals_;
  asio::steady_timer idle_;
  asio::steady_timer wake_timer_;  // set for due_.next_due()
  std::mt19937_64 rng_;  // jitter only; not security-relevant

  std::vector<target_entry> entries_;  // by slot
  std::vector<std::uint32_t> free_;    // slots to reuse
  policy::name_index by_identity_;     // identity -> slot, for the slots in use
  deadline_queue due_;                 // slot -> when its next check is due
  std::optional<steady::time_point> armed_for_;  // what wake_timer_ waits for, if it waits
  std::uint64_t arm_seq_ = 0;
  std::uint64_t next_generation_ = 1;
  std::deque<check_ref> ready_;  // due, waiting for a lookup slot (FIFO)
  bool stopped_ = false;
  std::size_t lookups_ = 0;                  // checks holding a slot: DNS lookups in flight
  std::atomic<std::size_t> in_flight_{0};   // checks running, sink included
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> failed_{0};
};

verifier::verifier(asio::any_io_executor ex, mail_from_checker& checker, verification_sink& sink,
                   verifier_settings settings, std::function<policy::timestamp()> clock) {
  auto adapter = std::make_unique<mail_from_target_checker>(checker, settings.expected_exchange, settings.spf_include);
  target_checker& ref = *adapter;
  core_ = std::make_shared<core>(std::move(ex), ref, sink, std::move(settings), std::move(clock), std::move(adapter));
}

verifier::verifier(asio::any_io_executor ex, target_checker& checker, verification_sink& sink,
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
