// Keeps every identity's custom MAIL FROM domain (or, in a second instance
// with a dkim_checker, its Easy DKIM records) checked on schedule and feeds
// the results to policy::advance. Every member is called on the executor given to the
// constructor (a strand or a one-thread io_context), except the counters (any thread).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "dns/mail_from_checker.hpp"
#include "dns/target_checker.hpp"
#include "dns/verification_sink.hpp"
#include "policy/time.hpp"
#include "policy/verification.hpp"

namespace mfrelay::dns {

struct verifier_settings {
  std::string expected_exchange;  // the feedback MX host
  std::string spf_include;
  policy::duration window{};            // Pending/TemporaryFailure -> Failed after this
  policy::duration pending_interval{};  // Pending and TemporaryFailure
  policy::duration success_interval{};
  policy::duration retry_interval{};  // after an inconclusive check
  unsigned concurrency = 64;          // checks whose DNS lookups are in flight at once (0 counts as 1)
  unsigned backlog_per_slot = 16;     // checks in flight in all (lookups, then the sink) at most concurrency * this
  double jitter = 0.1;                // +-10% on every interval, clamped to [0, 0.5]
};

// Schedule: a target with no last_check is checked at once, spread evenly in the order
// given over jitter * retry_interval so a start with many identities does not burst;
// otherwise at last_check + the interval for its status (pending_interval for Pending and
// TemporaryFailure, success_interval for Success), spread the same way when overdue. (In
// the order given, not at random: that is the order the store's rows were written in.)
// After an inconclusive check the next comes after retry_interval. Failed is never
// checked again. At most `concurrency` checks have their DNS lookups in flight; the
// rest wait their turn in one FIFO queue. A check frees its slot once its answers are
// in, before the sink makes them durable: the next lookups go out while the sink
// writes, and one group commit of the sink then serves every check that finished
// meanwhile instead of at most `concurrency`. That
// backlog is bounded too: no check starts while concurrency * backlog_per_slot
// are in flight. Each waiting check holds its answers and report; at 10^5
// domains and a store slower than the DNS, an unbounded backlog grew the
// daemon by tens of MB during a first pass.
//
// Each check: checker.check(target) (for MAIL FROM: the lookups, then evaluate_mail_from), advance(state, result, clock(),
// window), co_await sink.record(report) -- for every check, changed or not -- and only
// then the new state is adopted and the next check scheduled. A checker or sink that
// throws is counted in checks_failed(); nothing is adopted and the check is retried
// after retry_interval.
//
// Stopping: stop() cancels every timer and queued check at once. A check whose DNS
// lookups are in flight finishes them (resolver::shutdown() ends them at once) and its
// result is dropped; a sink.record() already started is let finish. The checker and the
// sink must outlive every check in flight: after stop(), `co_await wait_idle()` (or run
// the io_context until it has no work) before destroying them. The verifier itself may
// be destroyed any time on its executor (the destructor calls stop()).
class verifier {
 public:
  // MAIL FROM: checker's answers judged by policy::evaluate_mail_from with
  // settings.expected_exchange and spf_include.
  verifier(boost::asio::any_io_executor ex, mail_from_checker& checker, verification_sink& sink,
           verifier_settings settings, std::function<policy::timestamp()> clock);
  // Any kind of check (DKIM): `checker` looks up and judges each target.
  verifier(boost::asio::any_io_executor ex, target_checker& checker, verification_sink& sink,
           verifier_settings settings, std::function<policy::timestamp()> clock);
  ~verifier();
  verifier(const verifier&) = delete;
  verifier& operator=(const verifier&) = delete;

  // The full set of targets (call again on every reload). A target whose identity is
  // new, or whose mail_from_domain or state differs from what the verifier holds, is
  // (re)started from the given state; an identity no longer listed stops, and a check
  // of it in flight is not recorded. Unchanged targets keep their schedule.
  void update_targets(std::vector<verification_target> targets);

  // Schedules an immediate check (still subject to `concurrency`). False when the
  // identity is unknown, Failed, or the verifier is stopped. When a check is already
  // running, another one follows it at once: it may have asked DNS before a fix.
  bool check_now(std::string_view identity);

  void stop();
  // Completes when no check is in flight (at once when none is).
  boost::asio::awaitable<void> wait_idle();

  // The adopted state (what the sink has recorded), if the identity is a target.
  std::optional<policy::verification_state> state_of(std::string_view identity) const;

  std::size_t checks_in_flight() const;    // any thread
  std::uint64_t checks_completed() const;  // recorded by the sink; any thread
  std::uint64_t checks_failed() const;     // checker or sink threw; any thread

 private:
  struct core;
  std::shared_ptr<core> core_;  // shared with running checks, which outlive a destroyed verifier
};

}  // namespace mfrelay::dns
