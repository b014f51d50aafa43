// Delivers spooled messages: each recipient's domain picks a destination (a
// smarthost, or the domain's MX hosts: delivery_destination), and each
// destination has its own sessions (up to `connections` for a smarthost,
// `connections_per_destination` for an MX domain, and never more than
// `connections_per_host` to one MX host address across domains), each reused for
// up to `messages_per_connection` messages, so a slow destination holds up only itself; deferred recipients retried on
// retry_schedule until received_at + max_age, then bounced; spool.remove() once
// every recipient is delivered or bounced; every outcome told to a delivery_observer.
// Public members: any thread. The work runs on one strand of the executor given;
// observer calls come from it. Envelopes, message bytes and replies are untrusted.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "policy/config.hpp"
#include "policy/time.hpp"
#include "dns/resolver.hpp"
#include "relay/delivery/mx_plan.hpp"
#include "relay/delivery/delivery_observer.hpp"
#include "relay/delivery/destination_gauges.hpp"
#include "relay/delivery/mx_host_slots.hpp"
#include "relay/delivery/queued_message.hpp"
#include "relay/feedback/suppression_list.hpp"
#include "relay/spool/envelope.hpp"
#include "relay/spool/message_store.hpp"

namespace mfrelay::relay {

struct delivery_queue_settings {
  policy::delivery_settings delivery;  // smarthost, routes, require_tls, retry_schedule, max_age, connections
  // For MX destinations ([delivery] mode = "mx" or a [[route]] via "mx"): must
  // outlive the queue's work (shut it down after wait_stopped()).
  dns::resolver* resolver = nullptr;
  mx_random random;  // equal-preference MX order; empty: a seeded std::mt19937_64
  std::string hostname = "localhost";  // EHLO name and reportingMTA
  policy::duration connect_timeout = std::chrono::seconds(30);
  policy::duration command_timeout = std::chrono::minutes(5);
  policy::duration data_timeout = std::chrono::minutes(10);
  policy::duration idle_timeout = std::chrono::seconds(5);  // QUIT a session idle this long
  policy::duration stop_grace = std::chrono::seconds(10);   // stop(): time for transactions in flight
  // The account-level suppression list: a recipient on it is never sent to; it
  // bounces at once (Permanent, OnAccountSuppressionList, 5.1.1, with a DSN).
  // Null: none. Must outlive the queue.
  const suppression_list* suppression = nullptr;
};

struct delivery_queue_stats {
  std::size_t queued = 0;                                  // messages known to the queue (waiting, ready or in flight)
  std::size_t in_flight = 0;                               // messages in a transaction now
  std::size_t sessions = 0;                                // worker connections (open or about to be), all destinations
  std::uint64_t delivered = 0, deferred = 0, bounced = 0;  // recipients, since start
  std::uint64_t dropped = 0;                               // messages the spool could not read (damaged or gone)
  std::vector<destination_gauge> destinations;             // per destination with messages or sessions
  std::vector<mx_host_gauge> mx_hosts;                     // per MX host address with connections
};

// Lifecycle: construct, start() once, enqueue() after each commit, stop(), then
// co_await wait_stopped() before destroying the spool or the observer (the queue
// itself may be destroyed any time; its running coroutines keep their state alive).
//
// stop(): no new transaction starts; idle sessions QUIT at once; a transaction in
// flight has stop_grace to finish (its outcome is then handled as usual), after
// which its connection is closed and the outcome ignored: the message stays in the
// spool, untouched, for the next start (at-least-once: it may be sent twice).
class delivery_queue {
 public:
  // `clock` (default relay::now) gives event timestamps and drives retries and expiry.
  // Throws std::invalid_argument when a destination is "mx" and settings.resolver is null.
  delivery_queue(boost::asio::any_io_executor ex, message_store& spool, delivery_observer& observer,
                 delivery_queue_settings settings, std::function<policy::timestamp()> clock = {});
  ~delivery_queue();  // stop()
  delivery_queue(const delivery_queue&) = delete;
  delivery_queue& operator=(const delivery_queue&) = delete;

  // Calls spool.recover() on the calling thread (spool errors propagate) and queues
  // every message found, oldest first, for immediate delivery.
  void start();
  // The same, with envelopes the caller already recovered (recover() is meant to run once).
  void start(std::vector<envelope> recovered);

  // A message the spool has just committed. Ignored when its id is already queued
  // or after stop(). A message with no recipients is removed from the spool.
  void enqueue(envelope env);

  void stop();

  // Completes (on the awaiting coroutine's executor) once stop() has run and every
  // session is closed.
  boost::asio::awaitable<void> wait_stopped();

  delivery_queue_stats stats() const;

  // For the admin API (`mfrelay queue`); awaitable from any executor, resumes on
  // the caller's. list(): every queued message, oldest first. flush(): every
  // message waiting for a retry is tried now; returns how many. remove(): the
  // message leaves the queue and the spool without a delivery, a bounce or a DSN
  // (the operator said so; logged); a message in a transaction is left alone.
  boost::asio::awaitable<std::vector<queued_message>> list();
  boost::asio::awaitable<std::size_t> flush();
  boost::asio::awaitable<queue_removal> remove(std::string id);

 private:
  struct core;
  std::shared_ptr<core> core_;
};

}  // namespace mfrelay::relay
