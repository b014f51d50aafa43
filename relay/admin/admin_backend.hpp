// What the admin API may read and change in the running relay. The daemon
// implements it; the API handlers (SES v1/v2 and mfrelay's own routes) only
// talk to this interface, so they are unit-tested against a fake. Members may
// be called from any executor; the awaitables resume on the caller's.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/config.hpp"
#include "policy/identity.hpp"
#include "policy/origin.hpp"
#include "policy/state_snapshot.hpp"
#include "relay/delivery/queued_message.hpp"
#include "relay/dkim/dkim_key_store.hpp"
#include "relay/feedback/suppression_list.hpp"
#include "relay/state/send_quota.hpp"
#include "relay/state/dmarc_json.hpp"
#include "relay/state/send_statistics.hpp"
#include "relay/state/state_store.hpp"

namespace mfrelay::relay {

// One change to the identities in policy.d, as the SES actions express them.
struct identity_change {
  enum class kind {
    create,         // VerifyDomainIdentity / VerifyEmailIdentity / POST v2: add the identity if missing
    set_mail_from,  // SetIdentityMailFromDomain / PUT .../mail-from
    remove,         // DeleteIdentity / DELETE v2
    tag,            // TagResource / UntagResource
    set_feedback_forwarding,  // SetIdentityFeedbackForwardingEnabled / PUT .../feedback
    set_dkim,                 // VerifyDomainDkim / SetIdentityDkimEnabled / PUT .../dkim: dkim = dkim_enabled
    set_dkim_signing,         // PUT .../dkim/signing: Easy DKIM or BYODKIM, and dkim = true
  };
  kind what = kind::create;
  std::string identity;                          // normalized (policy::parse_identity_name)
  // set_mail_from: as the client spelled it (kept for reading back, compared
  // case-insensitively); nullopt or "" disables the custom MAIL FROM.
  std::optional<std::string> mail_from_domain;
  std::optional<policy::mx_failure_behavior> behavior;  // set_mail_from: nullopt keeps the current one
  std::map<std::string, std::string> set_tags = {};  // create, tag: added, or replacing the value of the same key
  std::vector<std::string> remove_tags = {};         // tag: keys removed (absent ones ignored)
  bool forward_feedback = true;                      // set_feedback_forwarding: the new setting
  bool dkim_enabled = true;                          // set_dkim: the new setting
  // set_dkim_signing: "" = Easy DKIM (AWS_SES, key type dkim_key_type), else
  // BYODKIM with this selector and dkim_private_key (PEM, validated by the
  // handler; a secret: the daemon writes it to the key store, never to policy.d).
  std::string dkim_selector = {};
  std::string dkim_private_key = {};
  std::optional<policy::dkim_key_kind> dkim_key_type = {};  // Easy DKIM: nullopt keeps the current one
};

// The DKIM records' state, as SES reports it (v2 spelling: to_v2_string; v1: to_v1_string).
enum class dkim_status { pending, success, failed, temporary_failure, not_started };
std::string_view to_v1_string(dkim_status status);  // "Pending", "Success", ..., "NotStarted"
std::string_view to_v2_string(dkim_status status);  // "PENDING", "SUCCESS", ..., "NOT_STARTED"

class admin_backend {
 public:
  virtual ~admin_backend() = default;

  virtual std::shared_ptr<const policy::config> config() const = 0;
  // The current state of every MAIL FROM domain (as the store holds it).
  virtual std::vector<stored_state> stored_states() const = 0;
  // The same for the Easy DKIM states (the setting is the selectors). The default: none.
  virtual std::vector<stored_state> stored_dkim_states() const { return {}; }

  // Validates the whole policy with the change applied; when valid, writes
  // policy.d (temporary file, fsync, rename, fsync of the folder) and reloads,
  // so it takes effect at once. Returns the errors that refused it (nothing is
  // changed then); empty when applied. Changes are applied one at a time.
  virtual boost::asio::awaitable<std::vector<policy::config_error>> change(identity_change change) = 0;

  // The identity's DKIM status: the one place the admin API reads it. The
  // default (tests' backends): PENDING when dkim = true, else NOT_STARTED.
  virtual dkim_status dkim_state(const policy::identity& id) const {
    return id.dkim ? dkim_status::pending : dkim_status::not_started;
  }
  // The identity's DKIM keys (tokens or BYODKIM selector, key), nullptr when it
  // has none yet. No I/O. The default: none (tests' fakes).
  virtual std::shared_ptr<const dkim::identity_keys> dkim_keys(const std::string& identity) const {
    static_cast<void>(identity);
    return nullptr;
  }

  // Checks the identity's MAIL FROM domain now; false when it has none, is unknown or Failed.
  virtual boost::asio::awaitable<bool> verify_now(std::string identity) = 0;

  // The identity's latest MAIL FROM transitions with their DNS evidence, newest
  // first (the state store's history). The default: none (tests' fakes).
  virtual boost::asio::awaitable<std::vector<state_transition>> history(std::string identity, std::size_t limit) {
    static_cast<void>(identity);
    static_cast<void>(limit);
    co_return std::vector<state_transition>{};
  }

  // What the DMARC reader last read (status, explain); null: none (tests' fakes,
  // no Public Suffix List), and the verdicts are then left out.
  virtual std::shared_ptr<const dmarc_view> dmarc() const { return nullptr; }

  // Prometheus text exposition of every metric.
  virtual std::string metrics_text() const = 0;
  // True once the relay serves (listeners bound, spool recovered, first reconcile done).
  virtual bool ready() const = 0;
  // A shared [store] (PostgreSQL): whether it answers. nullopt: one node's own
  // store (SQLite), always there. /readyz stays 200 while the database is away
  // (the relay keeps accepting into its spool) and adds "store: down".
  virtual std::optional<bool> store_up() const { return std::nullopt; }

  // The delivery queue (`mfrelay queue`): delivery_queue's list(), flush() and
  // remove(). The defaults are an empty queue, for backends without one.
  virtual boost::asio::awaitable<std::vector<queued_message>> queue_list() { co_return std::vector<queued_message>{}; }
  virtual boost::asio::awaitable<std::size_t> queue_flush() { co_return 0; }
  virtual boost::asio::awaitable<queue_removal> queue_remove(std::string id) {
    static_cast<void>(id);
    co_return queue_removal::not_found;
  }

  // The account (SES v2 GetAccount, the suppression list, v1 GetSendQuota and
  // GetSendStatistics). Null: the backend has none (the APIs say so).
  virtual suppression_list* suppression() { return nullptr; }
  virtual const send_quota* quota() const { return nullptr; }
  virtual const send_statistics* statistics() const { return nullptr; }
  // Runs `work` where blocking is fine (the suppression list writes SQLite);
  // its exceptions propagate. The default runs it in place (tests' fakes).
  virtual boost::asio::awaitable<void> blocking(std::function<void()> work) {
    work();
    co_return;
  }
};

}  // namespace mfrelay::relay
