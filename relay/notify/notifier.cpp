#include "relay/notify/notifier.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <atomic>
#include <deque>
#include <spdlog/spdlog.h>

#include "relay/common/clock.hpp"
#include "relay/common/message_ids.hpp"
#include "relay/notify/webhook_sender.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;
namespace json = boost::json;

notifier_settings notifier_settings_of(const policy::config& cfg) {
  notifier_settings s;
  s.email.to = cfg.notifications.email;
  s.email.from = cfg.notifications.from.empty() ? "mfrelay@" + cfg.relay.hostname : cfg.notifications.from;
  s.email.hostname = cfg.relay.hostname;
  s.email.feedback_host = cfg.feedback_host();
  s.email.spf_include = cfg.verification.spf_include;
  s.email.window = cfg.verification.window;
  s.webhook = cfg.notifications.webhook;
  return s;
}

struct notifier::core : std::enable_shared_from_this<core> {
  core(asio::any_io_executor ex, message_store& spool, std::function<void(const envelope&)> accepted,
       notifier_settings settings, std::function<policy::timestamp()> clock)
      : strand_(asio::make_strand(ex)),
        spool_(spool),
        accepted_(std::move(accepted)),
        settings_(std::move(settings)),
        clock_(clock ? std::move(clock) : [] { return now(); }),
        idle_timer_(strand_) {
    idle_timer_.expires_at(asio::steady_timer::time_point::max());
    if (!settings_.webhook.empty()) {
      webhook_settings w;
      w.url = settings_.webhook;
      w.timeout = settings_.webhook_timeout;
      w.backoff = settings_.webhook_backoff;
      webhook_ = std::make_unique<webhook_sender>(strand_, std::move(w));
    }
  }

  // Everything below runs on the strand.

  void on_event(json::object event) {
    if (stopped_) {
      spdlog::warn("notification not sent: stopping");
      return;
    }
    // Bounces and complaints go to the webhook only: the email is about MAIL FROM states.
    const json::value* type = event.if_contains("eventType");
    if (!settings_.email.to.empty() && type && *type == "MailFromDomainStatusChange") {
      ++emails_in_flight_;
      asio::co_spawn(strand_, spool_email(event), [self = shared_from_this()](std::exception_ptr e) {
        --self->emails_in_flight_;
        if (e) self->failed_email(e);
        self->check_idle();
      });
    }
    if (webhook_) {
      if (posts_.size() >= settings_.max_waiting_posts) {
        posts_.pop_front();
        stats_.posts_dropped.fetch_add(1);
        spdlog::warn("webhook {}: {} posts waiting; the oldest is dropped", settings_.webhook, posts_.size() + 1);
      }
      posts_.push_back(json::serialize(event));
      if (!posting_) {
        posting_ = true;
        asio::co_spawn(strand_, run_posts(), [self = shared_from_this()](std::exception_ptr e) {
          if (e) {
            self->posting_ = false;
            self->check_idle();
          }
        });
      }
    }
  }

  asio::awaitable<void> spool_email(json::object event) {
    auto mail = status_change_email(event, settings_.email, new_message_id(), clock_());
    if (!mail) co_return;
    message_writer writer = spool_.begin(mail->env.id);
    writer.append(mail->content);
    co_await spool_.commit(std::move(writer), mail->env);
    stats_.emails_spooled.fetch_add(1);
    spdlog::info("notification {} queued to {}: {}", mail->env.id, settings_.email.to, mail->subject);
    if (accepted_) accepted_(mail->env);
  }

  void failed_email(std::exception_ptr e) {
    stats_.emails_failed.fetch_add(1);
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("notification email to {} not queued: {}", settings_.email.to, ex.what());
    } catch (...) {
      spdlog::error("notification email to {} not queued", settings_.email.to);
    }
  }

  // One post at a time, in order: a consumer sees the transitions as they happened.
  asio::awaitable<void> run_posts() {
    while (!posts_.empty() && !stopped_) {
      std::string body = std::move(posts_.front());
      posts_.pop_front();
      bool sent = co_await webhook_->post(std::move(body));
      (sent ? stats_.posts_sent : stats_.posts_failed).fetch_add(1);
    }
    posting_ = false;
    check_idle();
  }

  void stop() {
    if (!stopped_) {
      stopped_ = true;
      if (!posts_.empty()) {
        stats_.posts_dropped.fetch_add(posts_.size());
        spdlog::warn("webhook {}: {} posts not sent (stopping)", settings_.webhook, posts_.size());
        posts_.clear();
      }
      if (webhook_) webhook_->cancel();
    }
    check_idle();
  }

  bool idle() const { return stopped_ && emails_in_flight_ == 0 && !posting_; }
  void check_idle() {
    if (idle()) idle_timer_.cancel();
  }

  asio::awaitable<void> wait_idle() {
    // The timer never expires; check_idle() cancels the waits once idle for good.
    while (!idle()) co_await idle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  asio::strand<asio::any_io_executor> strand_;
  message_store& spool_;
  std::function<void(const envelope&)> accepted_;
  notifier_settings settings_;
  std::function<policy::timestamp()> clock_;
  std::unique_ptr<webhook_sender> webhook_;  // null without a webhook
  asio::steady_timer idle_timer_;

  bool stopped_ = false;
  std::size_t emails_in_flight_ = 0;
  bool posting_ = false;
  std::deque<std::string> posts_;

  struct {
    std::atomic<std::uint64_t> emails_spooled{0}, emails_failed{0};
    std::atomic<std::uint64_t> posts_sent{0}, posts_failed{0}, posts_dropped{0};
  } stats_;
};

notifier::notifier(asio::any_io_executor ex, message_store& spool, std::function<void(const envelope&)> accepted,
                   notifier_settings settings, std::function<policy::timestamp()> clock)
    : core_(std::make_shared<core>(std::move(ex), spool, std::move(accepted), std::move(settings), std::move(clock))) {}

notifier::~notifier() { stop(); }

void notifier::notify(const json::object& event) noexcept {
  try {
    const json::value* type = event.if_contains("eventType");
    if (!type) return;
    if (*type == "MailFromDomainStatusChange") {
      if (core_->settings_.email.to.empty() && !core_->webhook_) return;
    } else if (*type == "Bounce" || *type == "Complaint" || *type == "DkimStatusChange") {
      if (!core_->webhook_) return;
    } else {
      return;
    }
    json::object copy(event);
    asio::post(core_->strand_, [c = core_, e = std::move(copy)]() mutable { c->on_event(std::move(e)); });
  } catch (const std::exception& e) {
    spdlog::error("notification not sent: {}", e.what());
  }
}

void notifier::stop() {
  asio::post(core_->strand_, [c = core_] { c->stop(); });
}

asio::awaitable<void> notifier::wait_stopped() {
  std::shared_ptr<core> c = core_;
  co_await asio::co_spawn(c->strand_, c->wait_idle(), asio::use_awaitable);
}

notifier_stats notifier::stats() const {
  const auto& s = core_->stats_;
  notifier_stats out;
  out.emails_spooled = s.emails_spooled.load();
  out.emails_failed = s.emails_failed.load();
  out.posts_sent = s.posts_sent.load();
  out.posts_failed = s.posts_failed.load();
  out.posts_dropped = s.posts_dropped.load();
  return out;
}

}  // namespace mfrelay::relay
