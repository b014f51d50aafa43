#include "relay/daemon/daemon.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <filesystem>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <mutex>
#include <thread>
#include <vector>

#include "dns/resolver.hpp"
#include "relay/admin/admin_router.hpp"
#include "relay/admin/admin_console.hpp"
#include "relay/admin/http_server.hpp"
#include "relay/auth/password_verifier.hpp"
#include "relay/common/async_mutex.hpp"
#include "relay/common/clock.hpp"
#include "relay/delivery/delivery_queue.hpp"
#include "relay/delivery/account_observer.hpp"
#include "relay/delivery/event_log_observer.hpp"
#include "relay/feedback/suppression_list.hpp"
#include "relay/state/send_quota.hpp"
#include "relay/state/send_statistics.hpp"
#include "relay/cluster/cluster_policy.hpp"
#include "relay/cluster/pg_cluster_link.hpp"
#include "relay/config/config_loader.hpp"
#include "relay/events/event_log.hpp"
#include "relay/feedback/feedback_receiver.hpp"
#include "relay/notify/notifier.hpp"
#include "relay/metrics/relay_metrics.hpp"
#include "relay/daemon/admin_service.hpp"
#include "relay/common/live_view.hpp"
#include "relay/daemon/policy_watcher.hpp"
#include "relay/daemon/service_manager.hpp"
#include "relay/server/session_services.hpp"
#include "relay/server/smtp_listener.hpp"
#include "relay/spool/spool.hpp"
#include "relay/state/sent_message_index.hpp"
#include "relay/state/store_set.hpp"
#include "relay/state/state_rows.hpp"
#include "relay/tls/tls_context.hpp"
#include "relay/verification/verification_service.hpp"

namespace mfrelay::relay {
namespace {

namespace asio = boost::asio;

// Hands the pages of freed memory back to the system. The configuration's
// parse tree (at start) and the first reconcile's plan are freed on the
// main thread's malloc arena, while the verification pass allocates on the
// io and store threads' arenas: without this, both would count in the
// daemon's resident memory at once (a 10^5-identity start peaked 40 MB higher).
void release_free_memory() { malloc_trim(0); }

// [relay] threads, 0 = half the cores (at least one): the spool's flush thread and
// the peers on the same machine use the rest. On two cores one I/O thread did
// more with less CPU than two that wake each other (scripts/bench smtp).
constexpr auto counters_save_interval = std::chrono::seconds(1);

unsigned io_threads(std::uint32_t configured) {
  if (configured > 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency() / 2);
}

class daemon {
 public:
  // `cluster`: the cluster's policy the identities came from ([store] kind =
  // "postgresql"), null for policy.d.
  daemon(std::string config_path, policy::config cfg, std::unique_ptr<cluster_policy> cluster)
      : config_path_(std::move(config_path)),
        cluster_policy_(std::move(cluster)),
        io_threads_(io_threads(cfg.relay.threads)),
        stores_(cfg, index_settings(cfg)),
        events_(cfg.events),
        // dkim_keys_ is built further down; the service reads it only from reconcile() on.
        verification_(io_.get_executor(), store_pool_.get_executor(), stores_.states(), view_, events_, metrics_,
                      &stores_.dkim_states(), &dkim_keys_),
        dmarc_(io_.get_executor(), view_, events_),
        spool_(std::filesystem::path(cfg.relay.state_dir) / "spool", spool_pool_.get_executor()),
        tls_(needs_tls(cfg) ? std::optional(make_server_tls_context(cfg)) : std::nullopt),
        passwords_(auth_pool_.get_executor()),
        dkim_keys_(cfg.relay.state_dir),
        services_{view_, spool_, events_, passwords_, tls_ ? &*tls_ : nullptr, {}, metrics_, {}},
        delivery_observer_(events_),
        suppression_(&stores_.suppression(), suppression_reasons(cfg)),
        quota_(cfg.quota.max_send_rate, cfg.quota.max_24_hour_send),
        account_observer_(delivery_observer_, statistics_, &suppression_, store_pool_.get_executor()),
        delivery_resolver_(needs_resolver(cfg) ? std::make_unique<dns::resolver>(
                                                     io_.get_executor(),
                                                     dns::resolver_options{cfg.dns.servers, cfg.dns.timeout, cfg.dns.tries})
                                               : nullptr),
        delivery_(io_.get_executor(), spool_, account_observer_,
                  delivery_settings(cfg, delivery_resolver_.get(), &suppression_)),
        notifier_(io_.get_executor(), spool_, [this](const envelope& env) { delivery_.enqueue(env); },
                  notifier_settings_of(cfg)),
        feedback_(events_, stores_.sent_index(), [this](const boost::json::object& e) { notifier_.notify(e); }),
        admin_(io_.get_executor(), admin_pool_.get_executor(), view_, verification_, metrics_,
               [this](std::string why) { return reload(std::move(why)); }),
        router_(admin_),
        console_(admin_, passwords_) {
    services_.accepted = [this](const envelope& env) { delivery_.enqueue(env); };
    services_.sent_index = &stores_.sent_index();
    services_.feedback = &feedback_;
    // Every Bounce and Complaint the feedback listener produces: counted, and
    // its suppressible recipients (permanent bounces, complaints, of recipients
    // the message was sent to) go on the account-level suppression list.
    feedback_.set_outcome_handler([this](const feedback_outcome& o) { account_observer_.on_feedback(o); });
    feedback_.set_forwarding(spool_, [this](const envelope& env) { delivery_.enqueue(env); });
    admin_.set_delivery(&delivery_);
    admin_.set_dmarc(&dmarc_);
    if (stores_.shared()) {
      admin_.set_store_status([this] { return stores_.up(); });
      // Admin requests run on any I/O thread: they see the link through an atomic pointer.
      admin_.set_check_forwarder([this](std::string identity) {
        std::lock_guard lock(shared_link_mutex_);  // stop() cannot destroy the link meanwhile
        if (shared_link_) shared_link_->request_check(std::move(identity));
      });
    }
    admin_.set_account(&suppression_, &quota_, &statistics_);
    admin_.set_dkim(&dkim_keys_);
    if (cluster_policy_) {
      admin_.set_cluster_policy(cluster_policy_.get());
      cluster_policy_->applied();  // the configuration given is the one it loaded
    }
    services_.quota = &quota_;
    // Before anything counts: SentLast24Hours, the daily quota and the statistics go on from the last run.
    stores_.counters().load(quota_, statistics_, now());
    services_.dkim = &dkim_keys_;
    if (suppression_.size() > 0) spdlog::info("suppression list: {} addresses", suppression_.size());
    // A transition can change a DMARC verdict (SPF by MAIL FROM, DKIM by signing): judge again soon.
    // The webhook takes DkimStatusChange too (no mail: SES sends none for DKIM either).
    auto transitions = [this](const std::vector<std::string>& identities, std::span<const boost::json::object> events) {
      for (const auto& e : events) notifier_.notify(e);
      dmarc_.rejudge(identities);
    };
    verification_.recorder().on_transitions(transitions);
    if (auto* dkim = verification_.dkim_recorder()) dkim->on_transitions(transitions);
    // A shared store: no MAIL FROM check until this node is elected the verifier (start()).
    if (stores_.shared()) verification_.set_mail_from_checks(false);
    metrics_.auth_failures.add({}, 0);  // present from the first scrape
    metrics_.scrape_extra = [this] { return scrape(); };
    drain_timeout_ = cfg.relay.drain_timeout;
    ensure_dkim_keys(cfg);  // before the listeners bind: a session may sign at once
    for (const auto& l : cfg.listeners)
      listeners_.push_back(std::make_unique<smtp_listener>(io_, l, services_, sessions_));
    bool admin_enabled = cfg.admin.enabled;
    view_.set_config(std::make_shared<const policy::config>(std::move(cfg)));
    if (admin_enabled) {
      http_server_options options;
      options.console = [this](http_request r, std::string client) {
        return console_.handle(std::move(r), std::move(client));
      };
      http_ = std::make_unique<http_server>(
          io_, admin_,
          [this](http_request r, std::string id) { return router_.handle(std::move(r), std::move(id)); },
          std::move(options));
    }
    watcher_ = std::make_unique<policy_watcher>(io_, view_.config()->relay.policy_dir, [this] {
      if (cluster_policy_) {
        spdlog::info("policy.d changed: this node's identities come from the cluster's policy in PostgreSQL; "
                     "`mfrelay policy push` applies policy.d to every node");
        return;
      }
      asio::co_spawn(io_, reload("policy.d changed"), asio::detached);
    });
  }

  int run() {
    verification_.load();
    std::vector<envelope> queued = spool_.recover();
    if (!queued.empty()) spdlog::info("spool: {} messages recovered for delivery", queued.size());
    delivery_.start(std::move(queued));
    for (auto& l : listeners_) {
      asio::co_spawn(io_, l->accept_loop(), [](std::exception_ptr e) { rethrow_fatal(e, "listener"); });
    }
    if (http_) http_->start();
    watcher_->start();
    asio::co_spawn(io_, start(), [](std::exception_ptr e) { rethrow_fatal(e, "start"); });
    asio::co_spawn(io_, handle_signals(), [](std::exception_ptr e) { rethrow_fatal(e, "signals"); });
    if (auto every = service_manager::watchdog_interval())
      asio::co_spawn(io_, watchdog(*every), [](std::exception_ptr e) { rethrow_fatal(e, "watchdog"); });
    asio::co_spawn(io_, save_counters_periodically(), asio::detached);
    const unsigned threads = io_threads_;
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([this] { io_.run(); });
    io_.run();
    for (auto& t : pool) t.join();
    store_pool_.join();
    spool_pool_.join();
    auth_pool_.join();
    admin_pool_.join();
    spdlog::info("stopped");
    return 0;
  }

 private:
  // Gauges and counters kept by their owners, read at scrape time.
  std::vector<std::string> scrape() const {
    std::vector<std::string> out(1);
    std::string& text = out[0];
    render_family(text, "mfrelay_smtp_sessions_open", "SMTP sessions open now.", "gauge",
                  {{{}, static_cast<double>(services_.counters.active.load())}});
    render_family(text, "mfrelay_smtp_sessions_total", "SMTP sessions accepted since start.", "counter",
                  {{{}, static_cast<double>(services_.counters.total.load())}});
    spool_stats ss = spool_.stats(now());
    render_family(text, "mfrelay_spool_messages", "Messages in the spool, waiting for delivery.", "gauge",
                  {{{}, static_cast<double>(ss.depth)}});
    render_family(text, "mfrelay_spool_oldest_age_seconds", "Age of the oldest message in the spool.", "gauge",
                  {{{}, std::chrono::duration<double>(ss.oldest_age).count()}});
    render_family(text, "mfrelay_spool_flushes_total", "Group flushes (one serves many messages).", "counter",
                  {{{}, static_cast<double>(ss.flushes)}});
    render_family(text, "mfrelay_spool_quarantined_total", "Damaged spool files moved to quarantine.", "counter",
                  {{{}, static_cast<double>(ss.quarantined)}});
    delivery_queue_stats ds = delivery_.stats();
    render_family(text, "mfrelay_deliveries_total", "Delivery outcomes per recipient since start.", "counter",
                  {{{{"result", "delivered"}}, static_cast<double>(ds.delivered)},
                   {{{"result", "deferred"}}, static_cast<double>(ds.deferred)},
                   {{{"result", "bounced"}}, static_cast<double>(ds.bounced)},
                   {{{"result", "dropped"}}, static_cast<double>(ds.dropped)}});
    render_family(text, "mfrelay_delivery_connections", "Connections to the smarthost.", "gauge",
                  {{{}, static_cast<double>(ds.sessions)}});
    // Per destination: a smarthost (its [[smarthost]] name or host:port) or an MX
    // recipient domain; the default smarthost always, the others while they have work.
    const policy::smarthost_settings hop = view_.config()->delivery.default_smarthost();
    std::map<std::string, destination_gauge> by_destination;
    if (view_.config()->delivery.mode == policy::delivery_mode::smarthost) {
      std::string name = hop.name.empty() ? hop.address.str() : hop.name;
      by_destination[name] = {name, 0, 0};
    }
    for (const auto& g : ds.destinations) by_destination[g.destination] = g;
    std::vector<sample> queued, connections;
    for (const auto& [name, g] : by_destination) {
      queued.push_back({{{"destination", name}}, static_cast<double>(g.queued)});
      connections.push_back({{{"destination", name}}, static_cast<double>(g.connections)});
    }
    render_family(text, "mfrelay_destination_queued_messages", "Messages queued for delivery, per destination.",
                  "gauge", queued);
    render_family(text, "mfrelay_destination_connections", "Delivery connections open, per destination.", "gauge",
                  connections);
    // Per MX host address ([delivery] connections_per_host counts here, across
    // every recipient domain the host serves); only addresses with connections.
    std::vector<sample> hosts;
    for (const auto& h : ds.mx_hosts) hosts.push_back({{{"address", h.address}}, static_cast<double>(h.connections)});
    render_family(text, "mfrelay_mx_host_connections",
                  "Direct-delivery connections open (or opening), per MX host address.", "gauge", hosts);
    std::map<std::string, double> by_state{{"Pending", 0}, {"Success", 0}, {"TemporaryFailure", 0}, {"Failed", 0}};
    // From the snapshot decisions read, not the store: a scrape must not read
    // 10^5 rows, nor wait for a group commit.
    auto cfg = view_.config();
    auto snapshot = view_.states();
    for (const auto& id : cfg->identities.all()) {
      if (id.has_mail_from()) by_state[std::string(to_string(snapshot->status_of(id.name, id.mail_from_domain)))] += 1;
    }
    std::vector<sample> states;
    for (const auto& [state, count] : by_state) states.push_back({{{"state", state}}, count});
    render_family(text, "mfrelay_store_up",
                  "1 when the [store] database answered lately (always 1 for SQLite); 0: deciding from the last "
                  "state seen, writes waiting in memory.",
                  "gauge", {{{}, stores_.up() ? 1.0 : 0.0}});
    render_family(text, "mfrelay_store_queued_writes", "Writes waiting for the [store] database (0 for SQLite).",
                  "gauge", {{{}, static_cast<double>(stores_.queued_writes())}});
    render_family(text, "mfrelay_verifier",
                  "1 when this node runs the MAIL FROM DNS checks (always with SQLite; with PostgreSQL, the one "
                  "node elected), 0 when it reads the states the verifier writes.",
                  "gauge", {{{}, verification_.mail_from_checks() ? 1.0 : 0.0}});
    render_family(text, "mfrelay_identities", "Identities with a custom MAIL FROM domain, by verification state.",
                  "gauge", states);
    return out;
  }

  // Direct delivery looks up MX hosts with a c-ares channel of its own.
  static bool needs_resolver(const policy::config& cfg) {
    if (cfg.delivery.mode == policy::delivery_mode::mx) return true;
    for (const auto& r : cfg.delivery.routes)
      if (r.via == "mx") return true;
    return false;
  }

  static std::vector<suppression_reason> suppression_reasons(const policy::config& cfg) {
    std::vector<suppression_reason> out;
    for (const auto& r : cfg.feedback.suppress)
      if (auto reason = parse_suppression_reason(r)) out.push_back(*reason);
    return out;
  }

  static delivery_queue_settings delivery_settings(const policy::config& cfg, dns::resolver* resolver,
                                                   const suppression_list* suppression) {
    delivery_queue_settings s;
    s.suppression = suppression;
    s.delivery = cfg.delivery;
    s.resolver = resolver;
    s.hostname = cfg.relay.hostname;
    s.stop_grace = cfg.relay.drain_timeout;  // a transaction in flight at stop has what sessions have
    return s;
  }

  static sent_message_index_settings index_settings(const policy::config& cfg) {
    sent_message_index_settings s;
    s.retention = cfg.feedback.retention;
    return s;
  }

  static bool needs_tls(const policy::config& cfg) {
    for (const auto& l : cfg.listeners) {
      if (l.tls != policy::tls_mode::none) return true;
    }
    return false;
  }

  // Easy DKIM: a key pair and tokens for every dkim = true identity, generated
  // the first time and read back afterwards. One that fails is logged; its mail
  // then goes out unsigned (the session says so) rather than not at all.
  void ensure_dkim_keys(const policy::config& cfg) {
    for (const auto& id : cfg.identities.all()) {
      if (!id.dkim) continue;
      try {
        if (!id.dkim_selector.empty()) {
          // BYODKIM: read again on every reload, the operator may have replaced the key.
          auto keys = dkim_keys_.use_external(id.name, id.dkim_selector, id.dkim_private_key_file);
          spdlog::info("dkim: {} signs with the operator's key, selector {} ({})", id.name, keys->selector(),
                       keys->key.algorithm());
          continue;
        }
        auto before = dkim_keys_.find(id.name);
        bool existed = before && !before->external();
        auto keys = dkim_keys_.ensure(id.name, id.dkim_key_type == policy::dkim_key_kind::ed25519
                                                   ? dkim::key_type::ed25519
                                                   : dkim::key_type::rsa);
        if (!existed)
          spdlog::info("dkim: {} signs with selector {} ({}); its records: mfrelay records {}", id.name,
                       keys->selector(), keys->key.algorithm(), id.name);
      } catch (const std::exception& e) {
        if (!id.dkim_selector.empty()) dkim_keys_.forget(id.name);  // not Easy DKIM's keys of before either
        spdlog::error("dkim: keys of {}: {}; its mail is not signed", id.name, e.what());
      }
    }
  }

  asio::awaitable<void> ensure_dkim_keys_of(std::shared_ptr<const policy::config> cfg) {
    ensure_dkim_keys(*cfg);
    co_return;
  }

  static void rethrow_fatal(std::exception_ptr e, const char* what) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::critical("{}: {}", what, ex.what());
      std::_Exit(1);
    }
  }

  asio::awaitable<void> start() {
    co_await verification_.reconcile();
    dmarc_.start();
    release_free_memory();
    admin_.set_ready(true);
    if (stores_.shared()) {
      // Under the reload lock: a role change the link reports at once waits until link_ is set.
      auto held = co_await reload_lock_.lock();
      start_cluster_link();
    }
    spdlog::info("mfrelay started ({} identities)", view_.config()->identities.all().size());
    manager_.ready(serving_status());
  }

  // One verifier at a time (pg_cluster_link.hpp): the link's thread says when
  // this node gains or loses the role, and when the verifier wrote a change.
  void start_cluster_link() {
    link_ = std::make_unique<pg_cluster_link>(
        view_.config()->store.url,
        [this](bool) { asio::co_spawn(io_, change_role(), asio::detached); },
        [this] {
          reread_retries_.store(0);
          queue_reread();
          // The cluster's policy: a revision read, and a reload when another node wrote one.
          if (!policy_check_queued_.exchange(true)) {
            asio::post(admin_pool_, [this] {
              policy_check_queued_.store(false);
              if (cluster_policy_->changed())
                asio::co_spawn(io_, reload("the cluster's policy changed"), asio::detached);
            });
          }
        },
        [this](const std::string& identity) {
          // Another node's admin API asked this one, the verifier, to check now.
          asio::co_spawn(io_, check_for_another_node(identity), asio::detached);
        });
    std::lock_guard lock(shared_link_mutex_);
    shared_link_ = link_.get();
  }

  asio::awaitable<void> check_for_another_node(std::string identity) {
    if (!verification_.mail_from_checks()) co_return;  // the role moved meanwhile
    bool checked = co_await verification_.check_now(identity);
    spdlog::info("cluster: checked {} now, as another node asked{}", identity, checked ? "" : " (not known here)");
  }

  // Under the reload lock: a role change reconciles, as a reload does.
  asio::awaitable<void> change_role() {
    auto held = co_await reload_lock_.lock();
    const bool verifier = link_ && link_->verifier();
    if (verifier == verification_.mail_from_checks()) co_return;
    if (verifier) {
      // Start from what the previous verifier left in the database.
      co_await asio::co_spawn(store_pool_, reread_states_now(), asio::use_awaitable);
      spdlog::info("cluster: this node is the verifier now: it runs the MAIL FROM checks");
    } else {
      spdlog::warn("cluster: this node is not the verifier any more: it reads the MAIL FROM states from the store");
    }
    verification_.set_mail_from_checks(verifier);
    co_await verification_.reconcile();
  }

  asio::awaitable<void> reread_states_now() {
    reread_states();
    co_return;
  }

  // The verifier picked up a state another node wrote (an admin API change
  // made there): its checks start again from it, as after a reload.
  asio::awaitable<void> reconcile_after_reread() {
    auto held = co_await reload_lock_.lock();
    if (verification_.mail_from_checks()) co_await verification_.reconcile();
  }

  // On the store thread (where the recorder swaps snapshots too): the states
  // the verifier (or an admin change at another node) wrote, into this node's
  // snapshot; the next SMTP transaction decides with them. The verifier finds
  // its own writes unchanged. Each change is logged; the
  // MailFromDomainStatusChange event is the writer's alone (one per change,
  // as SES emits it).
  // One re-read queued at a time: a burst of notifications costs one read of every state.
  void queue_reread() {
    if (reread_queued_.exchange(true)) return;
    asio::post(store_pool_, [this] {
      reread_queued_.store(false);
      reread_states();
    });
  }

  // A re-read that could not be done now (this node's own writes still queued,
  // which the database's copy would undo, or the read failed) is tried again
  // every 100 ms for a few seconds: a transition must not wait for the 30 s
  // safety net because a send counter was being saved when its NOTIFY came.
  asio::awaitable<void> reread_later() {
    asio::steady_timer timer(io_, std::chrono::milliseconds(100));
    co_await timer.async_wait(asio::use_awaitable);
    if (!periodic_stop_) queue_reread();
  }

  void reread_states() {
    auto changes = stores_.reread_states();
    if (!changes) {
      if (stores_.shared() && reread_retries_.fetch_add(1) < 50) asio::co_spawn(io_, reread_later(), asio::detached);
      return;
    }
    if (changes->empty()) return;
    for (const auto& c : *changes) {
      spdlog::info("MAIL FROM domain {} of {}: {} -> {} (read from the shared store)", c.mail_from_domain,
                   c.identity, c.from ? to_string(*c.from) : "(new)", c.to ? to_string(*c.to) : "(removed)");
    }
    verification_.recorder().load(stores_.states().load_all());
    dmarc_.refresh();
    if (verification_.mail_from_checks()) asio::co_spawn(io_, reconcile_after_reread(), asio::detached);
  }

  std::string serving_status() const {
    return "serving " + std::to_string(view_.config()->identities.all().size()) + " identities";
  }

  // WATCHDOG=1 from a timer on the I/O loop: a loop that stops turning stops
  // the pings, and systemd restarts the relay (WatchdogSec in the unit).
  asio::awaitable<void> watchdog(std::chrono::microseconds every) {
    asio::steady_timer timer(io_);
    while (!periodic_stop_) {
      manager_.watchdog_ping();
      timer.expires_after(every);
      co_await timer.async_wait(asio::use_awaitable);
    }
  }

  asio::awaitable<void> handle_signals() {
    asio::signal_set signals(io_, SIGINT, SIGTERM, SIGHUP);
    signals.add(SIGUSR1);
    for (;;) {
      int signal = co_await signals.async_wait(asio::use_awaitable);
      if (signal == SIGUSR1) {  // logrotate's postrotate: the event file was moved away
        events_.reopen();
        spdlog::info("event log reopened");
        continue;
      }
      if (signal == SIGHUP) {
        co_await reload("SIGHUP");
        continue;
      }
      spdlog::info("signal {}: stopping", signal);
      co_await stop();
      co_return;
    }
  }

  // Graceful, in STYLE.md's shape: stop accepting, let every session finish the
  // command it is in (a message in DATA gets its final reply; "250" means on
  // disk), answer 421 4.3.2 to the rest, and after [relay] drain_timeout cut
  // whatever is left (a message cut in DATA was never acknowledged, so never
  // kept). Delivery gets the same time for a transaction in flight; anything
  // not delivered stays in the spool for the next start.
  asio::awaitable<void> stop() {
    auto deadline = std::chrono::steady_clock::now() + drain_timeout_;
    manager_.stopping();
    for (auto& l : listeners_) l->stop();
    admin_.set_ready(false);
    watcher_->stop();
    delivery_.stop();  // idle connections QUIT now; messages accepted from here on wait for the next start
    sessions_.request_stop();
    spdlog::info("stopping: no new connections; {} SMTP sessions have {} ms to finish", sessions_.size(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(drain_timeout_).count());
    if (http_) co_await http_->shutdown();
    // No admin change or reload may be half done when the loop stops: its coroutine
    // would be destroyed with the io_context, after the lock it holds. Held to the end.
    auto no_changes = co_await admin_.hold_changes();
    auto no_reloads = co_await reload_lock_.lock();
    if (!co_await sessions_.wait_empty(deadline - std::chrono::steady_clock::now())) {
      spdlog::warn("drain timeout: cutting {} SMTP session(s)", sessions_.size());
      sessions_.cut();
      // Closing the socket ends a session within a moment (a spool flush or a
      // PBKDF2 check under way finishes first); this only bounds a surprise.
      if (!co_await sessions_.wait_empty(std::chrono::seconds(5)))
        spdlog::error("{} SMTP session(s) did not end after the cut", sessions_.size());
    }
    co_await dmarc_.stop();
    {
      std::lock_guard lock(shared_link_mutex_);
      shared_link_ = nullptr;
    }
    link_.reset();  // closes its session: another node takes the role at once
    co_await verification_.stop();
    notifier_.stop();  // no transition comes after the verifier; finish spooling what is in hand
    co_await notifier_.wait_stopped();
    co_await delivery_.wait_stopped();
    // The periodic loops (counters saver, watchdog) see the flag within their
    // period (their timers are their own: cancelling one from here could race
    // it on another I/O thread).
    periodic_stop_ = true;
    co_await save_counters();  // the last counts: nothing is sent or delivered after this
    if (delivery_resolver_) {
      co_await asio::co_spawn(delivery_resolver_->get_executor(), shutdown_resolver(delivery_resolver_.get()),
                              asio::use_awaitable);
    }
    io_.stop();
  }

  // The quota's 24-hour count and the send statistics, saved every second when
  // they changed, on the store thread: the SMTP path only touches the counters.
  asio::awaitable<void> save_counters_periodically() {
    while (!periodic_stop_) {
      counters_timer_.expires_after(counters_save_interval);
      auto [ec] = co_await counters_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec || periodic_stop_) co_return;
      co_await save_counters();
    }
  }

  asio::awaitable<void> save_counters() {
    co_await asio::co_spawn(store_pool_, save_counters_now(), asio::use_awaitable);
  }

  // A disk that refuses the write costs the counts of that second, never a message.
  asio::awaitable<void> save_counters_now() {
    try {
      stores_.counters().save(quota_, statistics_, now());
    } catch (const std::exception& e) {
      spdlog::error("send counters not saved: {}", e.what());
    }
    if (stores_.shared()) refresh_shared();
    co_return;
  }

  // With a shared store (PostgreSQL), every second on the store thread: is the
  // database there; what the other nodes suppressed and sent. A database that
  // does not answer leaves the last copy in force (nodes go on deciding from
  // the last state they saw) and says so in /readyz and mfrelay_store_up.
  void refresh_shared() {
    if (!stores_.probe()) return;
    try {
      suppression_.refresh();
      quota_.set_others(stores_.counters().others_sent_last_24_hours(now()));
    } catch (const std::exception& e) {
      spdlog::debug("shared store not re-read: {}", e.what());
    }
  }

  static asio::awaitable<void> shutdown_resolver(dns::resolver* r) {
    r->shutdown();
    co_return;
  }

  // The cluster's policy is read on the admin pool's thread (its session's).
  // An out-parameter and a plain if at the caller: GCC 12 miscompiled a
  // co_await inside ?: returning this struct (the configuration came back torn).
  asio::awaitable<void> load_cluster_config(config_load_result* out) {
    *out = cluster_policy_->load(config_path_);
    co_return;
  }

  // Loads the configuration from disk (the identities from the cluster's
  // policy, with a shared store) and applies it; the errors that refused it.
  asio::awaitable<std::vector<policy::config_error>> reload(std::string why) {
    auto held = co_await reload_lock_.lock();
    manager_.reloading();
    config_load_result result;
    if (cluster_policy_) {
      co_await asio::co_spawn(admin_pool_, load_cluster_config(&result), asio::use_awaitable);
    } else {
      result = load_config(config_path_);
    }
    boost::json::array errors;
    for (const auto& e : result.errors) errors.push_back(boost::json::string(to_string(e)));
    if (!result.ok()) {
      for (const auto& e : result.errors) spdlog::error("reload: {}", to_string(e));
      spdlog::error("reload refused: the running policy stays in force");
    } else {
      view_.set_config(std::make_shared<const policy::config>(std::move(result.config)));
      if (cluster_policy_) cluster_policy_->applied();  // after the configuration: admin_service relies on it
      // Key generation and its fsyncs stay off the event loop. A member coroutine: the
      // same work as a coroutine lambda co_spawned here never completed (GCC 12).
      co_await asio::co_spawn(store_pool_, ensure_dkim_keys_of(view_.config()), asio::use_awaitable);
      co_await verification_.reconcile();
      dmarc_.refresh();
      spdlog::info("reloaded {} ({})", config_path_, why);
    }
    events_.write({{"eventType", "ConfigReload"},
                   {"timestamp", iso8601(now())},
                   {"configReload",
                    {{"file", config_path_},
                     {"trigger", why},
                     {"result", result.ok() ? "applied" : "refused"},
                     {"identities", view_.config()->identities.all().size()},
                     {"errors", std::move(errors)}}}});
    manager_.ready(serving_status());  // refused or applied, the relay serves on
    co_return std::move(result.errors);
  }

  std::string config_path_;
  std::unique_ptr<cluster_policy> cluster_policy_;  // used on admin_pool_'s thread
  unsigned io_threads_;
  asio::io_context io_;
  asio::thread_pool store_pool_{1};
  asio::thread_pool spool_pool_{1};  // group flushes of the spool
  asio::thread_pool auth_pool_{1};   // PBKDF2 for AUTH
  asio::thread_pool admin_pool_{1};  // policy.d writes for the admin API
  live_view view_;
  relay_metrics metrics_;
  store_set stores_;  // [store]: states, suppression, counters, sent-message index (SQLite or PostgreSQL)
  event_log events_;
  verification_service verification_;
  dmarc_reader dmarc_;
  spool spool_;
  std::optional<asio::ssl::context> tls_;
  password_verifier passwords_;
  dkim::dkim_key_store dkim_keys_;  // <state_dir>/dkim
  session_services services_;
  event_log_observer delivery_observer_;
  suppression_list suppression_;
  send_quota quota_;
  send_statistics statistics_;
  std::atomic<bool> periodic_stop_{false};  // set at the end of stop()
  asio::steady_timer counters_timer_{io_};
  account_observer account_observer_;  // statistics and automatic suppression, then delivery_observer_
  std::unique_ptr<dns::resolver> delivery_resolver_;  // for MX lookups; null without direct delivery
  delivery_queue delivery_;
  notifier notifier_;
  feedback_receiver feedback_;
  session_group sessions_{io_.get_executor()};  // every SMTP session, for stop()
  policy::duration drain_timeout_{};
  std::vector<std::unique_ptr<smtp_listener>> listeners_;
  admin_service admin_;
  admin_router router_;
  admin_console console_;  // /console/ (the admin listener is plain HTTP: no Secure cookie)
  std::unique_ptr<http_server> http_;
  std::unique_ptr<policy_watcher> watcher_;
  std::atomic<bool> reread_queued_{false};
  std::atomic<int> reread_retries_{0};  // since the last change the link reported
  std::atomic<bool> policy_check_queued_{false};
  std::unique_ptr<pg_cluster_link> link_;  // shared store only, from start(); read and reset under reload_lock_
  std::mutex shared_link_mutex_;
  pg_cluster_link* shared_link_ = nullptr;  // link_, for the admin API's threads (under shared_link_mutex_)
  async_mutex reload_lock_{io_.get_executor()};  // reloads (SIGHUP, policy.d, admin API) never interleave
  service_manager manager_;
};

}  // namespace

int run_daemon(const std::string& config_path) {
  auto loaded = load_config(config_path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) spdlog::error("{}", to_string(e));
    return 1;
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  // A shared store: the identities are the cluster's (the first node seeds it with its policy.d).
  std::unique_ptr<cluster_policy> cluster;
  if (loaded.config.store.kind == policy::store_kind::postgresql) {
    // A database that cannot be reached throws, as store_set does: the start stops with the reason.
    std::filesystem::create_directories(loaded.config.relay.state_dir);  // for its node-id
    cluster = std::make_unique<cluster_policy>(loaded.config.store.url, "node " + node_id(loaded.config.relay.state_dir));
    loaded = cluster->start(config_path, loaded.config);
    if (!loaded.ok()) {
      spdlog::error("the cluster's policy does not load with {}:", config_path);
      for (const auto& e : loaded.errors) spdlog::error("{}", to_string(e));
      return 1;
    }
  }
  release_free_memory();
  daemon d(config_path, std::move(loaded.config), std::move(cluster));
  return d.run();
}

}  // namespace mfrelay::relay
