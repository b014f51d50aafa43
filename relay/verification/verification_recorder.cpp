#include "relay/verification/verification_recorder.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <map>

#include "relay/events/status_change_event.hpp"
#include "relay/state/state_rows.hpp"

namespace mfrelay::relay {

verification_recorder::verification_recorder(state_store& store, boost::asio::any_io_executor store_executor,
                                             live_view& view, event_log& events, relay_metrics& metrics,
                                             verification_kind kind)
    : store_(store),
      kind_(kind),
      store_executor_(store_executor),
      view_(view),
      events_(events),
      metrics_(metrics),
      commits_(std::move(store_executor), [this](std::vector<batch_item>& batch) { commit(batch); }) {}

namespace {
// A plain function: a coroutine's frame keeps its parameters (a lambda's captures die with it).
boost::asio::awaitable<std::vector<state_transition>> read_history(state_store& store, std::string identity,
                                                                   std::size_t limit) {
  co_return store.history(identity, limit);
}
}  // namespace

boost::asio::awaitable<std::vector<state_transition>> verification_recorder::history(std::string identity,
                                                                                     std::size_t limit) {
  co_return co_await boost::asio::co_spawn(store_executor_, read_history(store_, std::move(identity), limit),
                                           boost::asio::use_awaitable);
}

void verification_recorder::load(const std::vector<stored_state>& stored) {
  auto current = view_.states();
  std::shared_ptr<policy::state_snapshot> snapshot;
  if (kind_ == verification_kind::dkim) {
    snapshot = std::make_shared<policy::state_snapshot>(*current);
    for (const auto& s : stored) snapshot->set_dkim(s.identity, s.state);
  } else {
    snapshot = std::make_shared<policy::state_snapshot>(make_snapshot(stored));
    snapshot->copy_dkim_from(*current);
  }
  view_.set_states(std::move(snapshot));
}

boost::asio::awaitable<void> verification_recorder::record(const dns::check_report& report) {
  // A check that was in flight when its setting changed reports for a domain
  // that no longer applies: the new setting's own checks decide.
  {
    auto cfg = view_.config();
    const policy::identity* id = cfg->identities.find(report.identity);
    if (!id) co_return;
    if (kind_ == verification_kind::dkim ? !id->dkim : id->mail_from_domain != report.mail_from_domain) co_return;
  }
  if (kind_ == verification_kind::mail_from)
    metrics_.dns_checks.add({std::string(to_string(report.answers.mx.outcome)), std::string(to_string(report.evidence.result))});
  state_write w;
  stored_state& c = w.current;
  c.identity = report.identity;
  c.mail_from_domain = report.mail_from_domain;
  c.state = report.transition.state;
  c.last_check = report.checked_at;
  c.last_outcome = std::string(to_string(report.evidence.result));
  c.reason = report.evidence.reason;
  c.spf = report.evidence.spf;
  c.spf_reason = report.evidence.spf_reason;
  if (report.transition.changed) {
    w.transition = state_transition{report.identity,
                                    report.mail_from_domain,
                                    report.before.status,
                                    report.transition.state.status,
                                    report.transition.state.since,
                                    report.evidence.reason,
                                    boost::json::serialize(dns_evidence(report.answers))};
  }
  batch_item item;  // built outside co_await: GCC 12 miscompiles aggregates there
  item.writes.push_back(std::move(w));
  try {
    co_await commits_.submit(std::move(item));
  } catch (const std::exception& e) {
    // The verifier retries the check later; say why here, as dns/ does not log.
    spdlog::error("cannot record the check of {} for {}: {}", report.mail_from_domain, report.identity, e.what());
    throw;
  }
}

boost::asio::awaitable<void> verification_recorder::apply(std::vector<state_write> writes,
                                                         std::vector<std::string> removed) {
  if (writes.empty() && removed.empty()) co_return;
  batch_item item;
  item.writes = std::move(writes);
  item.removed = std::move(removed);
  co_await commits_.submit(std::move(item));
}

void verification_recorder::commit(std::vector<batch_item>& batch) {
  std::vector<state_write> writes;
  std::vector<std::string> removed;
  if (batch.size() == 1) {
    // A reconcile at start: one item with every new setting; no second copy.
    writes = std::move(batch.front().writes);
    removed = std::move(batch.front().removed);
  } else {
    std::size_t count = 0;
    for (const auto& item : batch) count += item.writes.size();
    writes.reserve(count);
    for (auto& item : batch) {
      for (auto& w : item.writes) writes.push_back(std::move(w));
      for (auto& r : item.removed) removed.push_back(std::move(r));
    }
  }
  // Durable first: a state is used (snapshot) and announced (event) only once stored.
  std::shared_ptr<policy::state_snapshot> snapshot;
  {
    std::lock_guard lock(store_mutex_);
    store_.write(writes);
    store_.remove(removed);
    snapshot = next_snapshot(writes, removed);
  }
  view_.set_states(std::move(snapshot));
  announce(writes);
}

// The next snapshot is the current one with this batch applied: a copy shares
// every shard the batch does not touch (state_snapshot.hpp), so a pass over
// 10^5 identities, committed 64 checks at a time, is not quadratic. Called
// under store_mutex_ on the store thread, where the other kind's recorder
// commits too: the current snapshot cannot change meanwhile.
std::shared_ptr<policy::state_snapshot> verification_recorder::next_snapshot(const std::vector<state_write>& writes,
                                                                             const std::vector<std::string>& removed) {
  auto current = view_.states();
  if (kind_ == verification_kind::dkim) {
    auto snapshot = std::make_shared<policy::state_snapshot>(*current);
    for (const auto& w : writes) snapshot->set_dkim(w.current.identity, w.current.state);
    for (const auto& r : removed) snapshot->forget_dkim(r);
    return snapshot;
  }
  if (!removed.empty()) {
    // A snapshot cannot forget a MAIL FROM setting: removals (a reconcile
    // after a reload) build it again from the store, keeping the DKIM states.
    auto snapshot = std::make_shared<policy::state_snapshot>(make_snapshot(store_.load_all()));
    snapshot->copy_dkim_from(*current);
    return snapshot;
  }
  auto snapshot = std::make_shared<policy::state_snapshot>(*current);
  for (const auto& w : writes) {
    // Pending for an identity the snapshot holds nothing for reads the
    // same as no entry (status_of). Left out, a first start's 10^5 new
    // settings do not copy every shard once per chunk, two snapshots
    // alive at once at the daemon's peak; the checks fill it in.
    if (w.current.state.status == policy::mail_from_status::pending && !current->contains(w.current.identity))
      continue;
    snapshot->set(w.current.identity, w.current.mail_from_domain, w.current.state);
  }
  return snapshot;
}

// A commit's transitions: a log line each (or per kind of change, when there
// are many), then their events in one write, then the hook once.
void verification_recorder::announce(const std::vector<state_write>& writes) {
  std::size_t count = 0;
  for (const auto& w : writes) count += w.transition ? 1 : 0;
  if (count == 0) return;
  const bool one_by_one = count <= logged_one_by_one;
  const auto level = one_by_one ? spdlog::level::info : spdlog::level::debug;
  const bool dkim = kind_ == verification_kind::dkim;
  auto cfg = view_.config();
  std::vector<std::string> identities;
  std::vector<boost::json::object> events;
  std::map<std::string, std::size_t> kinds;  // "Pending -> Success" -> how many
  identities.reserve(count);
  events.reserve(count);
  for (const auto& w : writes) {
    if (!w.transition) continue;
    const auto& t = *w.transition;
    const std::string_view from = !t.from ? "(new)" : dkim ? to_v2_string(*t.from) : to_string(*t.from);
    const std::string_view to = dkim ? to_v2_string(t.to) : to_string(t.to);
    if (dkim) {
      spdlog::log(level, "DKIM of {}: {} -> {} ({})", t.identity, from, to, t.reason);
      events.push_back(dkim_status_change_event(t));
    } else {
      spdlog::log(level, "MAIL FROM domain {} of {}: {} -> {} ({})", t.mail_from_domain, t.identity, from, to,
                  t.reason);
      events.push_back(status_change_event(t, w.current, cfg->identities.find(t.identity)));
    }
    if (!one_by_one) ++kinds[fmt::format("{} -> {}", from, to)];
    identities.push_back(t.identity);
  }
  if (!one_by_one) {
    std::string summary;
    for (const auto& [change, n] : kinds) summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ", n, change);
    spdlog::info("{} of {} identities changed: {} (per identity: the debug log and the {} events)",
                 dkim ? "DKIM" : "MAIL FROM domains", count, summary,
                 dkim ? "DkimStatusChange" : "MailFromDomainStatusChange");
  }
  events_.write_all(events);
  if (on_transitions_) on_transitions_(identities, events);
}

std::optional<stored_state> verification_recorder::current(const std::string& identity) const {
  std::lock_guard lock(store_mutex_);
  return store_.load(identity);
}

std::vector<stored_state> verification_recorder::all() const {
  std::lock_guard lock(store_mutex_);
  return store_.load_all();
}

}  // namespace mfrelay::relay
