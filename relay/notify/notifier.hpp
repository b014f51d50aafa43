// Tells people about every MAIL FROM state change, after it is durable: an
// email to [notifications] email, spooled in mfrelay's own spool from the null
// sender and handed to delivery, and an HTTP POST of the event to the webhook.
// notify() from any thread (the recorder's store thread) and returns at once;
// the work runs on a strand of the executor given. Events are our own JSON.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "policy/config.hpp"
#include "policy/time.hpp"
#include "relay/notify/notification_email.hpp"
#include "relay/spool/envelope.hpp"
#include "relay/spool/message_store.hpp"

namespace mfrelay::relay {

struct notifier_settings {
  notification_email_settings email;  // email.to == "": no emails
  std::string webhook;                // "": no webhook
  policy::duration webhook_timeout = std::chrono::seconds(5);
  std::vector<policy::duration> webhook_backoff{std::chrono::seconds(1), std::chrono::seconds(4),
                                                std::chrono::seconds(16)};
  std::size_t max_waiting_posts = 1000;  // webhook posts queued behind a slow one; the oldest go first
};

// [notifications] and the [relay]/[verification] values the email quotes.
notifier_settings notifier_settings_of(const policy::config& cfg);

struct notifier_stats {
  std::uint64_t emails_spooled = 0, emails_failed = 0;
  std::uint64_t posts_sent = 0, posts_failed = 0, posts_dropped = 0;
};

// Lifecycle: construct, notify() per transition, stop(), co_await wait_stopped(),
// and only then destroy the spool or whatever `accepted` reaches. Destroying the
// notifier itself stops it; work in flight keeps its own state alive.
class notifier {
 public:
  // `accepted` gets each spooled notification (delivery_queue::enqueue), on the
  // strand. `clock` (default relay::now) dates the emails. Throws
  // std::invalid_argument for a malformed webhook URL.
  notifier(boost::asio::any_io_executor ex, message_store& spool, std::function<void(const envelope&)> accepted,
           notifier_settings settings, std::function<policy::timestamp()> clock = {});
  ~notifier();
  notifier(const notifier&) = delete;
  notifier& operator=(const notifier&) = delete;

  // Any thread, never blocks, never throws. MailFromDomainStatusChange events
  // are mailed and posted; Bounce and Complaint events (the feedback listener's)
  // are posted to the webhook only; the rest are ignored, as are all after stop().
  void notify(const boost::json::object& event) noexcept;

  // Any thread: nothing new starts; queued webhook posts are dropped and one
  // in progress gives up; an email being spooled is finished (and handed on).
  void stop();

  // Completes, on the awaiting coroutine's executor, once stop() ran and no work is left.
  boost::asio::awaitable<void> wait_stopped();

  notifier_stats stats() const;

 private:
  struct core;
  std::shared_ptr<core> core_;
};

}  // namespace mfrelay::relay
