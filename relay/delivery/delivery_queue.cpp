#include "relay/delivery/delivery_queue.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <deque>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

#include "relay/common/clock.hpp"
#include "relay/delivery/attempt_outcome.hpp"
#include "relay/delivery/bounce_reporter.hpp"
#include "relay/delivery/client_tls_context.hpp"
#include "relay/delivery/delivery_trouble.hpp"
#include "relay/delivery/smtp_client.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::chrono::steady_clock::duration until(policy::timestamp when, policy::timestamp now) {
  return std::max(when - now, policy::duration::zero());
}

const char* postfix_status(recipient_fate fate) {
  switch (fate) {
    case recipient_fate::delivered:
      return "sent";
    case recipient_fate::deferred:
      return "deferred";
    case recipient_fate::bounced:
      return "bounced";
  }
  return "?";
}

}  // namespace

struct delivery_queue::core : std::enable_shared_from_this<core> {
  struct entry {
    envelope env;                      // as spooled; env.recipients is the whole list
    std::vector<std::string> pending;  // not yet delivered or bounced
    unsigned attempts = 0;
    unsigned bounce_events = 0;
    bool in_flight = false;
    bounce_report bounces;  // failed recipients, for the one DSN sent when the message is done
    std::string last_error;  // the last deferral's diagnostic, for `mfrelay queue`
    std::optional<policy::timestamp> retry_at;
  };

  // A worker waiting for work; dispatch() wakes it by cancelling its timer.
  struct idle_worker {
    asio::steady_timer* timer = nullptr;
    bool woken = false;
  };

  // Completion of every spawned coroutine: logs what escaped, counts it out.
  struct task_exit {
    std::shared_ptr<core> self;
    const char* what;
    void operator()(std::exception_ptr e) const {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("delivery: {} failed: {}", what, ex.what());
        }
      }
      self->task_finished();
    }
  };

  core(asio::any_io_executor ex, message_store& s, delivery_observer& o, delivery_queue_settings st,
       std::function<policy::timestamp()> c)
      : strand(asio::make_strand(ex)),
        spool(s),
        observer(o),
        settings(std::move(st)),
        clock(c ? std::move(c) : std::function<policy::timestamp()>(&relay::now)),
        tls(make_client_tls_context(settings.delivery.default_smarthost().ca_file)),
        bounces(s, settings.hostname, settings.delivery.bounce_messages),
        wake(strand),
        grace(strand),
        stopped_signal(strand) {
    const policy::smarthost_settings smarthost = settings.delivery.default_smarthost();
    client_settings.server = smarthost.address;
    client_settings.tls = smarthost.tls;
    client_settings.verify_certificate = smarthost.verify_certificate;
    client_settings.username = smarthost.username;
    client_settings.password = smarthost.password;
    client_settings.helo_name = settings.hostname;
    client_settings.require_tls = settings.delivery.require_tls;
    client_settings.connect_timeout = settings.connect_timeout;
    client_settings.command_timeout = settings.command_timeout;
    client_settings.data_timeout = settings.data_timeout;
    stopped_signal.expires_at(asio::steady_timer::time_point::max());
  }

  asio::strand<asio::any_io_executor> strand;
  message_store& spool;
  delivery_observer& observer;
  delivery_queue_settings settings;
  std::function<policy::timestamp()> clock;
  asio::ssl::context tls;
  smtp_client_settings client_settings;
  bounce_reporter bounces;

  // Everything below: on the strand only (the atomics excepted).
  std::map<std::string, entry> messages;
  std::deque<std::string> ready;
  std::multimap<policy::timestamp, std::string> waiting;  // retry time -> id
  std::vector<idle_worker*> idle;
  std::vector<smtp_client*> clients;
  std::size_t workers = 0;
  std::size_t promised = 0;  // workers woken or spawned that have not looked at `ready` yet
  std::size_t tasks = 0;     // coroutines running: scheduler, workers, grace period
  bool started = false;
  bool stopping = false;
  bool abandon = false;               // stop_grace ran out: outcomes from now on are ignored
  asio::steady_timer wake;            // the scheduler's: the earliest retry
  asio::steady_timer grace;           // stop_grace
  asio::steady_timer stopped_signal;  // cancelled once stopped with no task left

  std::atomic<std::size_t> queued_count{0}, in_flight_count{0}, session_count{0};
  std::atomic<std::uint64_t> delivered_count{0}, deferred_count{0}, bounced_count{0}, dropped_count{0};

  std::size_t max_workers() const { return std::max<std::size_t>(1, settings.delivery.connections); }

  void spawn(asio::awaitable<void> task, const char* what) {
    ++tasks;
    asio::co_spawn(strand, std::move(task), asio::bind_executor(strand, task_exit{shared_from_this(), what}));
  }

  void task_finished() {
    --tasks;
    if (stopping && tasks == 0) stopped_signal.cancel();
  }

  // ---- arrivals -------------------------------------------------------------

  void on_start(std::vector<envelope> recovered) {
    if (stopping || started) return;
    started = true;
    spawn(scheduler(shared_from_this()), "scheduler");
    if (!recovered.empty()) spdlog::info("delivery: {} messages recovered from the spool", recovered.size());
    for (auto& env : recovered) add(std::move(env));
  }

  void add(envelope env) {
    if (stopping || messages.contains(env.id)) return;
    if (env.recipients.empty()) {
      spdlog::warn("delivery {}: no recipients; removed from the spool", env.id);
      remove_from_spool(env.id);
      return;
    }
    std::string id = env.id;
    entry e;
    e.pending = env.recipients;
    e.env = std::move(env);
    messages.emplace(id, std::move(e));
    queued_count = messages.size();
    make_ready(std::move(id));
  }

  void make_ready(std::string id) {
    ready.push_back(std::move(id));
    dispatch();
  }

  // Enough workers for what is ready: idle ones first (their sessions are open),
  // then new ones up to `connections`.
  void dispatch() {
    if (stopping) return;
    std::size_t demand = ready.size() > promised ? ready.size() - promised : 0;
    while (demand > 0 && !idle.empty()) {
      idle_worker* w = idle.back();
      idle.pop_back();
      w->woken = true;
      w->timer->cancel();
      ++promised;
      --demand;
    }
    while (demand > 0 && workers < max_workers()) {
      ++workers;
      ++promised;
      --demand;
      session_count = workers;
      spawn(worker(shared_from_this()), "worker");
    }
  }

  void schedule_retry(const std::string& id, policy::timestamp when) {
    bool earliest = waiting.empty() || when < waiting.begin()->first;
    waiting.emplace(when, id);
    if (earliest) wake.cancel();
  }

  // ---- coroutines -------------------------------------------------------------

  static asio::awaitable<void> scheduler(std::shared_ptr<core> self) { co_await self->run_scheduler(); }

  asio::awaitable<void> run_scheduler() {
    while (!stopping) {
      policy::timestamp now = clock();
      while (!waiting.empty() && waiting.begin()->first <= now) {
        const policy::timestamp slot = waiting.begin()->first;
        std::string id = std::move(waiting.begin()->second);
        waiting.erase(waiting.begin());
        // A slot left behind by flush() or remove() finds its message gone or due at another time.
        if (auto it = messages.find(id); it != messages.end() && it->second.retry_at == slot) {
          it->second.retry_at.reset();
          make_ready(std::move(id));
        }
      }
      if (waiting.empty()) {
        wake.expires_at(asio::steady_timer::time_point::max());
      } else {
        wake.expires_after(until(waiting.begin()->first, now));
      }
      co_await wake.async_wait(use_tuple);
    }
  }

  static asio::awaitable<void> worker(std::shared_ptr<core> self) { co_await self->run_worker(); }

  asio::awaitable<void> run_worker() {
    smtp_client client(strand, tls, client_settings);
    clients.push_back(&client);
    asio::steady_timer timer(strand);
    idle_worker me;
    me.timer = &timer;
    bool counted_as_promised = true;
    try {
      for (;;) {
        if (counted_as_promised) {
          --promised;
          counted_as_promised = false;
        }
        if (stopping) break;
        if (!ready.empty()) {
          std::string id = std::move(ready.front());
          ready.pop_front();
          co_await deliver_one(&client, std::move(id));
          continue;
        }
        me.woken = false;
        idle.push_back(&me);
        timer.expires_after(settings.idle_timeout);
        co_await timer.async_wait(use_tuple);
        std::erase(idle, &me);
        counted_as_promised = me.woken;
        if (!me.woken && !stopping && ready.empty()) break;  // idle too long: QUIT
      }
    } catch (const std::exception& ex) {
      spdlog::error("delivery: worker: {}", ex.what());
    }
    std::erase(idle, &me);
    if (counted_as_promised) --promised;
    co_await client.quit();
    std::erase(clients, &client);
    --workers;
    session_count = workers;
    if (stopping && workers == 0) grace.cancel();
    if (!stopping) dispatch();  // a message may have become ready while this one was leaving
  }

  static asio::awaitable<void> grace_period(std::shared_ptr<core> self) { co_await self->run_grace_period(); }

  asio::awaitable<void> run_grace_period() {
    grace.expires_after(settings.stop_grace);
    co_await grace.async_wait(use_tuple);
    if (workers == 0) co_return;
    spdlog::warn("delivery: stopping: abandoning {} transactions in flight; their messages stay queued",
                 in_flight_count.load());
    abandon = true;
    for (auto* c : clients) c->abort();
  }

  // ---- one attempt ----------------------------------------------------------------

  asio::awaitable<void> deliver_one(smtp_client* client, std::string id) {
    auto it = messages.find(id);
    if (it == messages.end()) co_return;
    it->second.in_flight = true;
    ++in_flight_count;

    std::optional<std::string> data;
    std::optional<std::string> read_error;
    try {
      data = spool.read_data(id);
    } catch (const std::exception& ex) {
      read_error = ex.what();
    }
    transaction_result result;
    if (read_error) {
      spdlog::error("delivery {}: cannot read the message from the spool: {}", id, *read_error);
      result = settle_all(it->second, judge_local_error("cannot read the message from the spool: " + *read_error));
    } else if (!data) {
      // Gone, or damaged and quarantined by the spool: nothing to send, ever. Dropping
      // it here (rather than retrying) keeps one bad file from looping forever.
      spdlog::error("delivery {}: message data missing or damaged (quarantined by the spool); dropped from the queue",
                    id);
      --in_flight_count;
      ++dropped_count;
      envelope env = std::move(it->second.env);
      messages.erase(it);
      queued_count = messages.size();
      try {
        observer.on_dropped(env, "message data missing or damaged");
      } catch (const std::exception& ex) {
        spdlog::error("delivery: observer failed: {}", ex.what());
      }
      co_return;
    } else {
      it->second.bounces.headers = header_section(*data);
      outgoing_message message;
      message.return_path = it->second.env.return_path;
      message.recipients = it->second.pending;
      message.content = std::move(*data);
      std::optional<std::string> error;
      try {
        result = co_await client->deliver(std::move(message));
      } catch (const std::exception& ex) {
        error = ex.what();
      }
      if (error) {
        spdlog::error("delivery {}: {}", id, *error);
        client->abort();
        auto again = messages.find(id);
        if (again != messages.end()) result = settle_all(again->second, judge_local_error("internal error: " + *error));
      }
    }

    --in_flight_count;
    it = messages.find(id);
    if (it == messages.end()) co_return;
    it->second.in_flight = false;
    if (abandon) co_return;  // stop_grace ran out; the spool keeps the message as it was
    finish(it, result, client->peer());
  }

  static transaction_result settle_all(const entry& e, const delivery_verdict& verdict) {
    transaction_result result;
    for (const auto& address : e.pending) {
      recipient_outcome o;
      o.address = address;
      o.verdict = verdict;
      result.recipients.push_back(std::move(o));
    }
    return result;
  }

  void finish(std::map<std::string, entry>::iterator it, const transaction_result& result, const std::string& peer) {
    entry& e = it->second;
    const policy::timestamp now = clock();
    attempt_outcome out = judge_attempt(++e.attempts, e.env.received_at, result.recipients, result.remote_address, now,
                                        settings.delivery, settings.hostname);
    const delivery_attempt& attempt = out.attempt;
    const auto& delivered = out.delivered;
    const auto& bounced = out.bounced;
    const auto& expired = out.expired;
    const auto& delayed = out.delayed;
    auto delay_seconds = std::chrono::duration<double>(now - e.env.received_at).count();
    for (const auto* group : {&delivered, &bounced, &expired, &delayed}) {
      for (const auto& o : *group) {
        spdlog::info("delivery {}: to=<{}>, relay={}, delay={:.1f}, dsn={}, status={} ({})", e.env.id, o.address, peer,
                     delay_seconds, o.verdict.status, group == &expired ? "expired" : postfix_status(o.verdict.fate),
                     o.verdict.diagnostic);
      }
    }
    delivered_count += delivered.size();
    bounced_count += bounced.size() + expired.size();
    deferred_count += delayed.size();

    if (!delivered.empty()) notify([&] { observer.on_delivery(e.env, attempt, delivered); });
    for (const auto* group : {&bounced, &expired}) {
      if (group->empty()) continue;
      char suffix[16];
      std::snprintf(suffix, sizeof suffix, "-%06u", ++e.bounce_events);
      std::string feedback_id = e.env.id + suffix;
      delivery_attempt reported = attempt;
      reported.dsn_message_id = bounces.note(e.bounces, e.env, *group, attempt.remote_mta_ip, now);
      notify([&] { observer.on_bounce(e.env, reported, *group, feedback_id); });
    }
    if (!delayed.empty()) notify([&] { observer.on_delay(e.env, attempt, delayed); });

    e.pending.clear();
    for (const auto& o : delayed) e.pending.push_back(o.address);
    if (!delayed.empty()) e.last_error = delayed.front().verdict.diagnostic;
    e.retry_at = out.retry_at;
    if (e.pending.empty()) {
      std::string id = e.env.id;
      if (!e.bounces.dsn_id.empty()) {
        // The DSN is durable before the original leaves the spool: a crash in
        // between sends the original again (and its DSN), never loses the DSN.
        spawn(send_dsn(shared_from_this(), std::move(e.env), std::move(e.bounces)), "bounce message");
        messages.erase(it);
        queued_count = messages.size();
        return;
      }
      messages.erase(it);
      queued_count = messages.size();
      remove_from_spool(id);
      return;
    }
    schedule_retry(e.env.id, *out.retry_at);
  }

  static asio::awaitable<void> send_dsn(std::shared_ptr<core> self, envelope original, bounce_report report) {
    std::optional<envelope> dsn = co_await self->bounces.spool_dsn(original, report, self->clock());
    self->remove_from_spool(original.id);
    if (dsn) self->add(std::move(*dsn));  // after stop(): the next start finds it in the spool
  }

  void remove_from_spool(const std::string& id) {
    try {
      spool.remove_soon(id);  // never wait on the file system on this strand
    } catch (const std::exception& ex) {
      // The message may come back at the next start and be sent again: at-least-once.
      spdlog::error("delivery {}: cannot remove from the spool: {}", id, ex.what());
    }
  }

  template <class F>
  void notify(F&& f) {
    try {
      f();
    } catch (const std::exception& ex) {
      spdlog::error("delivery: observer failed: {}", ex.what());
    }
  }

  // ---- the admin API ---------------------------------------------------------------

  std::vector<queued_message> list_here() const {
    std::vector<queued_message> out;
    const policy::smarthost_settings hop = settings.delivery.default_smarthost();
    const std::string destination = hop.name.empty() ? hop.address.str() : hop.name;
    for (const auto& [id, e] : messages) {
      queued_message q;
      q.id = id;
      q.sender = e.env.original_sender;
      q.recipients = e.pending;
      q.destination = destination;
      q.received_at = e.env.received_at;
      q.attempts = e.attempts;
      q.last_error = e.last_error;
      q.next_attempt = e.retry_at;
      q.in_flight = e.in_flight;
      out.push_back(std::move(q));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const queued_message& a, const queued_message& b) { return a.received_at < b.received_at; });
    return out;
  }

  // Waiting messages become ready now; their old slots in `waiting` are skipped
  // by the scheduler (retry_at is cleared here).
  std::size_t flush_here() {
    std::size_t n = 0;
    for (auto& [id, e] : messages) {
      if (!e.retry_at || e.in_flight) continue;
      e.retry_at.reset();
      ready.push_back(id);
      ++n;
    }
    if (n > 0) spdlog::info("delivery: queue flushed: {} messages retried now", n);
    dispatch();
    return n;
  }

  queue_removal remove_here(const std::string& id) {
    auto it = messages.find(id);
    if (it == messages.end()) return queue_removal::not_found;
    if (it->second.in_flight) return queue_removal::in_flight;
    // Its entries in `ready` and `waiting` find nothing any more and are skipped.
    messages.erase(it);
    queued_count = messages.size();
    remove_from_spool(id);
    spdlog::warn("delivery {}: deleted from the queue by the operator; not delivered, no bounce sent", id);
    return queue_removal::removed;
  }

  static asio::awaitable<std::vector<queued_message>> list_on_strand(std::shared_ptr<core> self) {
    co_return self->list_here();
  }
  static asio::awaitable<std::size_t> flush_on_strand(std::shared_ptr<core> self) { co_return self->flush_here(); }
  static asio::awaitable<queue_removal> remove_on_strand(std::shared_ptr<core> self, std::string id) {
    co_return self->remove_here(id);
  }

  // ---- stopping ------------------------------------------------------------------

  void begin_stop() {
    if (stopping) return;
    stopping = true;
    wake.cancel();
    for (auto* w : idle) w->timer->cancel();
    if (workers > 0) spawn(grace_period(shared_from_this()), "stop grace period");
    if (tasks == 0) stopped_signal.cancel();
  }

  static asio::awaitable<void> wait_stopped_here(std::shared_ptr<core> self) {
    while (!(self->stopping && self->tasks == 0)) co_await self->stopped_signal.async_wait(use_tuple);
  }
};

delivery_queue::delivery_queue(asio::any_io_executor ex, message_store& spool, delivery_observer& observer,
                               delivery_queue_settings settings, std::function<policy::timestamp()> clock) {
  if (settings.delivery.mode != policy::delivery_mode::smarthost)
    throw std::invalid_argument("delivery mode \"mx\" is not implemented; use \"smarthost\"");
  core_ = std::make_shared<core>(std::move(ex), spool, observer, std::move(settings), std::move(clock));
}

delivery_queue::~delivery_queue() { stop(); }

void delivery_queue::start() { start(core_->spool.recover()); }

void delivery_queue::start(std::vector<envelope> recovered) {
  asio::post(core_->strand,
             [self = core_, recovered = std::move(recovered)]() mutable { self->on_start(std::move(recovered)); });
}

void delivery_queue::enqueue(envelope env) {
  asio::post(core_->strand, [self = core_, env = std::move(env)]() mutable { self->add(std::move(env)); });
}

void delivery_queue::stop() {
  asio::post(core_->strand, [self = core_] { self->begin_stop(); });
}

asio::awaitable<void> delivery_queue::wait_stopped() {
  co_await asio::co_spawn(core_->strand, core::wait_stopped_here(core_), asio::use_awaitable);
}

asio::awaitable<std::vector<queued_message>> delivery_queue::list() {
  co_return co_await asio::co_spawn(core_->strand, core::list_on_strand(core_), asio::use_awaitable);
}

asio::awaitable<std::size_t> delivery_queue::flush() {
  co_return co_await asio::co_spawn(core_->strand, core::flush_on_strand(core_), asio::use_awaitable);
}

asio::awaitable<queue_removal> delivery_queue::remove(std::string id) {
  co_return co_await asio::co_spawn(core_->strand, core::remove_on_strand(core_, std::move(id)), asio::use_awaitable);
}

delivery_queue_stats delivery_queue::stats() const {
  delivery_queue_stats s;
  s.queued = core_->queued_count;
  s.in_flight = core_->in_flight_count;
  s.sessions = core_->session_count;
  s.delivered = core_->delivered_count;
  s.deferred = core_->deferred_count;
  s.bounced = core_->bounced_count;
  s.dropped = core_->dropped_count;
  return s;
}

}  // namespace mfrelay::relay
