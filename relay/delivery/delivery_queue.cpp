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
#include <random>
#include <stdexcept>
#include <vector>

#include "relay/common/clock.hpp"
#include "relay/delivery/attempt_outcome.hpp"
#include "relay/delivery/bounce_reporter.hpp"
#include "relay/delivery/client_tls_context.hpp"
#include "relay/delivery/delivery_destination.hpp"
#include "relay/delivery/delivery_trouble.hpp"
#include "relay/delivery/destination_client.hpp"
#include "relay/delivery/destination_gauges.hpp"
#include "relay/delivery/dsn_message.hpp"
#include "relay/delivery/mx_host_slots.hpp"
#include "relay/delivery/queue_entry.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::chrono::steady_clock::duration until(policy::timestamp when, policy::timestamp now) {
  return std::max(when - now, policy::duration::zero());
}

}  // namespace

struct delivery_queue::core : std::enable_shared_from_this<core> {
  using leg = queue_leg;
  using entry = queue_entry;

  // A worker waiting for work; dispatch() wakes it by cancelling its timer.
  struct idle_worker {
    asio::steady_timer* timer = nullptr;
    bool woken = false;
    const destination_client* client = nullptr;
  };

  // One destination's own workers and ready list: a destination that hangs
  // holds up only its own.
  struct lane {
    delivery_destination destination;
    std::deque<std::string> ready;  // message ids
    std::vector<idle_worker*> idle;
    std::size_t workers = 0;
    std::size_t promised = 0;  // workers woken or spawned that have not looked at `ready` yet
  };

  struct job {
    std::string id, destination;  // message id, destination key
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
        bounces(s, settings.hostname, settings.delivery.bounce_messages),
        wake(strand),
        grace(strand),
        stopped_signal(strand),
        host_slots(settings.delivery.connections_per_host) {
    client_settings.helo_name = settings.hostname;
    client_settings.max_transactions = settings.delivery.messages_per_connection;
    host_slots.on_contention = [this](const std::string& address) { release_idle_at(address); };
    client_settings.connect_timeout = settings.connect_timeout;
    client_settings.command_timeout = settings.command_timeout;
    client_settings.data_timeout = settings.data_timeout;
    if (!settings.random) {
      auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
      settings.random = [engine](std::uint64_t bound) { return (*engine)() % bound; };
    }
    tls_for(settings.delivery.default_smarthost().ca_file);
    for (const auto& h : settings.delivery.smarthosts) tls_for(h.ca_file);
    if (settings.resolver) tls_for("");  // MX hosts: no certificate check, any trust store will do
    stopped_signal.expires_at(asio::steady_timer::time_point::max());
  }

  asio::strand<asio::any_io_executor> strand;
  message_store& spool;
  delivery_observer& observer;
  delivery_queue_settings settings;
  std::function<policy::timestamp()> clock;
  smtp_client_settings client_settings;  // helo name and timeouts; the rest per destination
  bounce_reporter bounces;

  // Everything below: on the strand only (the atomics excepted).
  std::map<std::string, std::unique_ptr<asio::ssl::context>> tls;  // per ca_file ("" = the system's)
  std::map<std::string, entry> messages;
  std::map<std::string, lane> lanes;                   // destination key -> lane; kept while it has work
  std::multimap<policy::timestamp, job> waiting;       // retry time -> job
  std::vector<destination_client*> clients;
  std::size_t workers = 0;   // across every lane
  std::size_t tasks = 0;     // coroutines running: scheduler, workers, grace period
  bool started = false;
  bool stopping = false;
  bool abandon = false;               // stop_grace ran out: outcomes from now on are ignored
  asio::steady_timer wake;            // the scheduler's: the earliest retry
  asio::steady_timer grace;           // stop_grace
  asio::steady_timer stopped_signal;  // cancelled once stopped with no task left

  std::atomic<std::size_t> queued_count{0}, in_flight_count{0}, session_count{0};
  destination_gauges gauges;
  mx_host_slots host_slots;  // [delivery] connections_per_host, across every MX lane
  std::atomic<std::uint64_t> delivered_count{0}, deferred_count{0}, bounced_count{0}, dropped_count{0};

  void spawn(asio::awaitable<void> task, const char* what) {
    ++tasks;
    asio::co_spawn(strand, std::move(task), asio::bind_executor(strand, task_exit{shared_from_this(), what}));
  }

  void task_finished() {
    --tasks;
    if (stopping && tasks == 0) stopped_signal.cancel();
  }

  // Made up front (in the constructor, for every smarthost and MX hosts), so that a
  // bad trust store fails at start, not inside a worker.
  asio::ssl::context& tls_for(const std::string& ca_file) {
    auto& slot = tls[ca_file];
    if (!slot) slot = std::make_unique<asio::ssl::context>(make_client_tls_context(ca_file));
    return *slot;
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
    auto [it, added] = messages.emplace(id, entry(std::move(env), settings.delivery));
    queued_count = messages.size();
    if (settings.suppression && !bounce_suppressed(it)) return;
    std::vector<std::string> keys;
    for (const auto& [key, l] : it->second.legs) {
      keys.push_back(key);
      gauges.add_queued(l.destination.label, 1);
    }
    for (const auto& key : keys) make_ready(id, key);
  }

  // SES's account-level suppression: the message was accepted, but a recipient
  // on the list is not sent to; it bounces now, as a 5xx would (Bounce event
  // Permanent/OnAccountSuppressionList, a DSN to the application). The others
  // go on as usual. False when nothing is left to deliver (the message is done).
  bool bounce_suppressed(std::map<std::string, entry>::iterator it) {
    entry& e = it->second;
    std::vector<recipient_outcome> out;
    for (auto l = e.legs.begin(); l != e.legs.end();) {
      std::erase_if(l->second.pending, [&](const std::string& address) {
        if (!settings.suppression->suppressed(address)) return false;
        out.push_back({address, suppressed_verdict()});
        return true;
      });
      l = l->second.pending.empty() ? e.legs.erase(l) : std::next(l);
    }
    if (out.empty()) return true;
    const policy::timestamp now = clock();
    for (const auto& o : out)
      spdlog::info("delivery {}: to=<{}>, relay=none, dsn={}, status=bounced ({})", e.env.id, o.address,
                   o.verdict.status, o.verdict.diagnostic);
    bounced_count += out.size();
    try {  // the DSN quotes the original's headers (and is not sent for a bounce of a bounce)
      if (auto data = spool.read_data(e.env.id)) e.bounces.headers = header_section(*data);
    } catch (const std::exception& ex) {
      spdlog::warn("delivery {}: cannot read the message's headers for its DSN: {}", e.env.id, ex.what());
    }
    delivery_attempt attempt;
    attempt.at = now;
    attempt.reporting_mta = settings.hostname;
    attempt.expires = e.env.received_at + settings.delivery.max_age;
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "-%06u", ++e.bounce_events);
    std::string feedback_id = e.env.id + suffix;
    attempt.dsn_message_id = bounces.note(e.bounces, e.env, out, "", now);
    notify([&] { observer.on_bounce(e.env, attempt, out, feedback_id); });
    if (!e.legs.empty()) return true;
    done(it);
    return false;
  }

  static delivery_verdict suppressed_verdict() {
    delivery_verdict v;
    v.fate = recipient_fate::bounced;
    v.status = "5.1.1";
    v.diagnostic = "mfrelay did not send the message to this address because it is on the suppression list for the "
                   "account";
    v.bounce_type = "Permanent";
    v.bounce_sub_type = "OnAccountSuppressionList";
    return v;
  }

  // Every recipient is delivered or bounced: the DSN, if any, then the spool file goes.
  void done(std::map<std::string, entry>::iterator it) {
    entry& e = it->second;
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
  }

  void make_ready(const std::string& id, const std::string& key) {
    auto it = messages.find(id);
    if (it == messages.end()) return;
    auto l = it->second.legs.find(key);
    if (l == it->second.legs.end()) return;
    lane& ln = lanes.try_emplace(key, lane{l->second.destination, {}, {}, 0, 0}).first->second;
    ln.ready.push_back(id);
    dispatch(ln);
  }

  // Enough workers for what is ready: idle ones first (their sessions are open),
  // then new ones up to the destination's connection limit.
  void dispatch(lane& ln) {
    if (stopping) return;
    std::size_t demand = ln.ready.size() > ln.promised ? ln.ready.size() - ln.promised : 0;
    while (demand > 0 && !ln.idle.empty()) {
      idle_worker* w = ln.idle.back();
      ln.idle.pop_back();
      w->woken = true;
      w->timer->cancel();
      ++ln.promised;
      --demand;
    }
    while (demand > 0 && ln.workers < ln.destination.connections) {
      ++ln.workers;
      gauges.add_connections(ln.destination.label, 1);
      ++workers;
      ++ln.promised;
      --demand;
      session_count = workers;
      spawn(worker(shared_from_this(), ln.destination.key), "worker");
    }
  }

  // A lane waits for a connection to MX host `address` while all of its slots are
  // taken: idle sessions there (of any lane) QUIT now instead of at idle_timeout.
  void release_idle_at(const std::string& address) {
    for (auto& [key, ln] : lanes)
      for (auto* w : ln.idle)
        if (w->client && w->client->mx_address() == address) w->timer->cancel();  // not woken: it leaves
  }

  void schedule_retry(job j, policy::timestamp when) {
    bool earliest = waiting.empty() || when < waiting.begin()->first;
    waiting.emplace(when, std::move(j));
    if (earliest) wake.cancel();
  }

  // ---- coroutines -------------------------------------------------------------

  static asio::awaitable<void> scheduler(std::shared_ptr<core> self) { co_await self->run_scheduler(); }

  asio::awaitable<void> run_scheduler() {
    while (!stopping) {
      policy::timestamp now = clock();
      while (!waiting.empty() && waiting.begin()->first <= now) {
        const policy::timestamp slot = waiting.begin()->first;
        job j = std::move(waiting.begin()->second);
        waiting.erase(waiting.begin());
        // A slot left behind by flush() or remove() finds its message gone or due at another time.
        if (leg* l = find_leg(j.id, j.destination); l && l->retry_at == slot) {
          l->retry_at.reset();
          make_ready(j.id, j.destination);
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

  leg* find_leg(const std::string& id, const std::string& key) {
    auto it = messages.find(id);
    if (it == messages.end()) return nullptr;
    auto l = it->second.legs.find(key);
    return l == it->second.legs.end() ? nullptr : &l->second;
  }

  static asio::awaitable<void> worker(std::shared_ptr<core> self, std::string key) {
    co_await self->run_worker(std::move(key));
  }

  // `lanes[key]` stays while this worker runs (a lane is dropped only with no worker).
  asio::awaitable<void> run_worker(std::string key) {
    lane& ln = lanes.at(key);
    asio::ssl::context& context = tls_for(ln.destination.mx ? "" : ln.destination.smarthost.ca_file);
    destination_client client(strand, context, ln.destination, client_settings, settings.delivery.mx_port,
                              settings.resolver, settings.random, &host_slots);
    clients.push_back(&client);
    asio::steady_timer timer(strand);
    idle_worker me;
    me.timer = &timer;
    me.client = &client;
    bool counted_as_promised = true;
    try {
      for (;;) {
        if (counted_as_promised) {
          --ln.promised;
          counted_as_promised = false;
        }
        if (stopping) break;
        if (!ln.ready.empty()) {
          std::string id = std::move(ln.ready.front());
          ln.ready.pop_front();
          co_await deliver_one(&client, std::move(id), key);
          continue;
        }
        me.woken = false;
        ln.idle.push_back(&me);
        timer.expires_after(settings.idle_timeout);
        co_await timer.async_wait(use_tuple);
        std::erase(ln.idle, &me);
        counted_as_promised = me.woken;
        if (!me.woken && !stopping && ln.ready.empty()) break;  // idle too long: QUIT
      }
    } catch (const std::exception& ex) {
      spdlog::error("delivery: worker: {}", ex.what());
    }
    std::erase(ln.idle, &me);
    if (counted_as_promised) --ln.promised;
    co_await client.quit();
    std::erase(clients, &client);
    --ln.workers;
    gauges.add_connections(ln.destination.label, -1);
    --workers;
    session_count = workers;
    if (stopping && workers == 0) grace.cancel();
    if (!stopping) dispatch(ln);  // a message may have become ready while this one was leaving
    if (ln.workers == 0 && ln.ready.empty()) lanes.erase(key);
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

  asio::awaitable<void> deliver_one(destination_client* client, std::string id, std::string key) {
    leg* l = find_leg(id, key);
    if (!l || l->in_flight) co_return;
    auto it = messages.find(id);
    l->in_flight = true;
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
      result = settle_all(*l, judge_local_error("cannot read the message from the spool: " + *read_error));
    } else if (!data) {
      // Gone, or damaged and quarantined by the spool: nothing to send, ever. Dropping
      // it here (rather than retrying) keeps one bad file from looping forever.
      spdlog::error("delivery {}: message data missing or damaged (quarantined by the spool); dropped from the queue",
                    id);
      --in_flight_count;
      ++dropped_count;
      envelope env = std::move(it->second.env);
      forget(it->second);
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
      message.recipients = l->pending;
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
        if (leg* again = find_leg(id, key)) result = settle_all(*again, judge_local_error("internal error: " + *error));
      }
    }

    --in_flight_count;
    l = find_leg(id, key);
    if (!l) co_return;
    l->in_flight = false;
    if (abandon) co_return;  // stop_grace ran out; the spool keeps the message as it was
    finish(messages.find(id), key, result, client->peer());
  }

  static transaction_result settle_all(const leg& l, const delivery_verdict& verdict) {
    transaction_result result;
    for (const auto& address : l.pending) {
      recipient_outcome o;
      o.address = address;
      o.verdict = verdict;
      result.recipients.push_back(std::move(o));
    }
    return result;
  }

  void finish(std::map<std::string, entry>::iterator it, const std::string& key, const transaction_result& result,
              const std::string& peer) {
    entry& e = it->second;
    leg& l = e.legs.at(key);
    const policy::timestamp now = clock();
    attempt_outcome out = judge_attempt(++l.attempts, e.env.received_at, result.recipients, result.remote_address, now,
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

    l.pending.clear();
    for (const auto& o : delayed) l.pending.push_back(o.address);
    if (!delayed.empty()) e.last_error = delayed.front().verdict.diagnostic;
    l.retry_at = out.retry_at;
    if (l.pending.empty()) {
      gauges.add_queued(l.destination.label, -1);
      e.legs.erase(key);
    }
    if (e.legs.empty()) {
      done(it);
      return;
    }
    if (out.retry_at) schedule_retry({e.env.id, key}, *out.retry_at);
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

  void forget(const entry& e) {
    for (const auto& [key, l] : e.legs) gauges.add_queued(l.destination.label, -1);
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
    for (const auto& [id, e] : messages) out.push_back(e.describe());
    std::stable_sort(out.begin(), out.end(),
                     [](const queued_message& a, const queued_message& b) { return a.received_at < b.received_at; });
    return out;
  }

  // Waiting legs become ready now; their old slots in `waiting` are skipped
  // by the scheduler (retry_at is cleared here).
  std::size_t flush_here() {
    std::size_t n = 0;
    std::vector<job> due;
    for (auto& [id, e] : messages) {
      bool any = false;
      for (auto& [key, l] : e.legs) {
        if (!l.retry_at || l.in_flight) continue;
        l.retry_at.reset();
        due.push_back({id, key});
        any = true;
      }
      n += any ? 1 : 0;
    }
    if (n > 0) spdlog::info("delivery: queue flushed: {} messages retried now", n);
    for (const auto& j : due) make_ready(j.id, j.destination);
    return n;
  }

  queue_removal remove_here(const std::string& id) {
    auto it = messages.find(id);
    if (it == messages.end()) return queue_removal::not_found;
    if (it->second.in_flight()) return queue_removal::in_flight;
    // Its entries in `ready` and `waiting` find nothing any more and are skipped.
    forget(it->second);
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
    for (auto& [key, ln] : lanes)
      for (auto* w : ln.idle) w->timer->cancel();
    if (workers > 0) spawn(grace_period(shared_from_this()), "stop grace period");
    if (tasks == 0) stopped_signal.cancel();
  }

  static asio::awaitable<void> wait_stopped_here(std::shared_ptr<core> self) {
    while (!(self->stopping && self->tasks == 0)) co_await self->stopped_signal.async_wait(use_tuple);
  }
};

delivery_queue::delivery_queue(asio::any_io_executor ex, message_store& spool, delivery_observer& observer,
                               delivery_queue_settings settings, std::function<policy::timestamp()> clock) {
  bool mx = settings.delivery.mode == policy::delivery_mode::mx;
  for (const auto& r : settings.delivery.routes) mx = mx || r.via == "mx";
  if (mx && !settings.resolver) throw std::invalid_argument("direct (MX) delivery needs a DNS resolver");
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
  s.destinations = core_->gauges.snapshot();
  s.mx_hosts = core_->host_slots.snapshot();
  return s;
}

}  // namespace mfrelay::relay
