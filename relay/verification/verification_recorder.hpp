// The relay's side of the verifier: every check report is written to the state
// store (group-committed on the store's own thread, durable before the verifier
// adopts the state), then the state snapshot that decisions read is swapped,
// then each transition is logged as a MailFromDomainStatusChange event. One
// recorder per verification_kind: the DKIM one writes its own store, sets
// the snapshot's dkim states and logs DkimStatusChange events. Both commit
// on the same one-thread store executor, so their snapshot swaps never race.
// record()/apply() may be awaited from any executor; current() and all() from
// any thread: they read the store itself (no copy of it is kept in memory; at
// 10^5 identities that copy was a tenth of the daemon's peak) and so wait
// for a group commit in progress.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dns/verification_sink.hpp"
#include "relay/common/group_commit.hpp"
#include "relay/events/event_log.hpp"
#include "relay/metrics/relay_metrics.hpp"
#include "relay/common/live_view.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

class verification_recorder final : public dns::verification_sink {
 public:
  // `store_executor` runs the blocking store writes (one thread).
  verification_recorder(state_store& store, boost::asio::any_io_executor store_executor, live_view& view,
                        event_log& events, relay_metrics& metrics,
                        verification_kind kind = verification_kind::mail_from);

  // Before serving: the states loaded from the store; publishes the first snapshot.
  void load(const std::vector<stored_state>& stored);

  boost::asio::awaitable<void> record(const dns::check_report& report) override;

  // Writes states that did not come from a check (a new or changed MAIL FROM
  // setting starting at Pending) and forgets identities no longer configured.
  boost::asio::awaitable<void> apply(std::vector<state_write> writes, std::vector<std::string> removed);

  // Called once per group commit that stored transitions, after they are
  // durable and logged, on the store thread, with their identities and their
  // MailFromDomainStatusChange (DkimStatusChange) events (identities[i] is
  // events[i]'s): must return at once (notifier::notify). Set before use.
  using transition_hook =
      std::function<void(const std::vector<std::string>& identities, std::span<const boost::json::object> events)>;
  void on_transitions(transition_hook hook) { on_transitions_ = std::move(hook); }

  // A commit with more transitions than this logs one line per kind of change
  // (a first start's 10^5 new settings, a first pass), the identities at debug.
  static constexpr std::size_t logged_one_by_one = 8;

  std::optional<stored_state> current(const std::string& identity) const;
  std::vector<stored_state> all() const;

  // The identity's latest transitions, newest first, read on the store thread
  // (the store's connection is used there only). Awaitable from any executor.
  boost::asio::awaitable<std::vector<state_transition>> history(std::string identity, std::size_t limit);

 private:
  struct batch_item {
    std::vector<state_write> writes;
    std::vector<std::string> removed;
  };
  void commit(std::vector<batch_item>& batch);  // on the store thread
  std::shared_ptr<policy::state_snapshot> next_snapshot(const std::vector<state_write>& writes,
                                                       const std::vector<std::string>& removed);
  void announce(const std::vector<state_write>& writes);

  state_store& store_;
  const verification_kind kind_;
  boost::asio::any_io_executor store_executor_;
  live_view& view_;
  event_log& events_;
  transition_hook on_transitions_;
  relay_metrics& metrics_;
  // The store is one SQLite connection: the store thread writes through it,
  // current()/all() read through it from other threads, one at a time.
  mutable std::mutex store_mutex_;
  group_commit<batch_item> commits_;
};

}  // namespace mfrelay::relay
