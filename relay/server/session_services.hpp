// What every SMTP session shares: the live configuration and states, the
// spool, the event log, the password verifier, the TLS context, where an
// accepted message goes next (delivery), the sent-message index and the
// feedback receiver, the DKIM keys. Owned by the daemon; sessions on any
// strand use it concurrently (each member is thread-safe).
#pragma once
#include <boost/asio/ssl/context.hpp>
#include <atomic>
#include <cstdint>
#include <functional>

#include "relay/auth/password_verifier.hpp"
#include "relay/events/event_log.hpp"
#include "relay/feedback/feedback_receiver.hpp"
#include "relay/metrics/relay_metrics.hpp"
#include "relay/common/live_view.hpp"
#include "relay/dkim/dkim_key_store.hpp"
#include "relay/spool/envelope.hpp"
#include "relay/spool/message_store.hpp"
#include "relay/state/sent_message_index.hpp"
#include "relay/state/send_quota.hpp"

namespace mfrelay::relay {

struct session_counters {
  std::atomic<std::uint32_t> active{0};
  std::atomic<std::uint64_t> total{0};
};

struct session_services {
  live_view& view;
  message_store& spool;
  event_log& events;
  password_verifier& passwords;
  boost::asio::ssl::context* tls = nullptr;  // null when no listener uses TLS
  std::function<void(const envelope&)> accepted;  // called once the message is durable
  relay_metrics& metrics;
  session_counters counters;
  sent_message_index* sent_index = nullptr;  // every accepted message is remembered here; null: not kept
  feedback_receiver* feedback = nullptr;     // role = "feedback" listeners; null: they refuse every RCPT
  send_quota* quota = nullptr;  // [quota]; null: unlimited
  dkim::dkim_key_store* dkim = nullptr;  // keys of dkim = true identities; null: nothing is signed
};

}  // namespace mfrelay::relay
