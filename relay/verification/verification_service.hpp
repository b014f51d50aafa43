// Live verification inside the daemon: the c-ares resolver, two verifiers
// (MAIL FROM, and Easy DKIM's records) on one strand, and a recorder for each
// that makes every result durable and visible. start()/reload()/stop() are coroutines run on the
// daemon's io_context; the blocking store work runs on `store_executor`.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>
#include <atomic>
#include <memory>

#include "dns/dkim_checker.hpp"
#include "dns/mail_from_checker.hpp"
#include "dns/resolver.hpp"
#include "dns/verifier.hpp"
#include "relay/dkim/dkim_key_store.hpp"
#include "relay/metrics/relay_metrics.hpp"
#include "relay/verification/timed_checker.hpp"
#include "relay/verification/verification_recorder.hpp"

namespace mfrelay::relay {

class verification_service {
 public:
  // `dkim_store` (the DKIM tables) and `dkim_keys` may be null: no DKIM
  // verification (every identity's DKIM reads NOT_STARTED, nothing is signed).
  // Both must outlive the service; the key store is only read (find()).
  verification_service(boost::asio::any_io_executor io, boost::asio::any_io_executor store_executor, state_store& store,
                       live_view& view, event_log& events, relay_metrics& metrics, state_store* dkim_store = nullptr,
                       const dkim::dkim_key_store* dkim_keys = nullptr);

  // Loads the stored states; call before anything reads view.states().
  void load();
  // Applies the configuration in view.config(): new settings start at Pending
  // (written durably first), removed identities are forgotten, and the
  // verifiers' targets are updated. Used at start and after every reload,
  // after the DKIM keys of the configuration were ensured.
  boost::asio::awaitable<void> reconcile();
  // Checks the identity now; false when unknown or Failed.
  boost::asio::awaitable<bool> check_now(std::string identity);
  // Checks the identity's DKIM records now; false when it has no DKIM target or is Failed.
  boost::asio::awaitable<bool> check_dkim_now(std::string identity);
  boost::asio::awaitable<void> stop();

  // Whether this node runs the MAIL FROM DNS checks (on by default). With a
  // shared store only the elected verifier does (pg_cluster_link); the
  // others read the states it writes. Takes effect at the next reconcile().
  // The DKIM checks are not affected: Easy DKIM keys are per node, so every
  // node verifies the records of its own keys.
  void set_mail_from_checks(bool on) { mail_from_checks_.store(on); }
  bool mail_from_checks() const { return mail_from_checks_.load(); }

  verification_recorder& recorder() { return recorder_; }
  const verification_recorder& recorder() const { return recorder_; }
  // Null without DKIM verification. Its current()/all()/history() hold the
  // stored DKIM rows (the setting column holds the tokens).
  verification_recorder* dkim_recorder() { return dkim_recorder_.get(); }

 private:
  // These run on strand_, where the resolver and the verifier live.
  boost::asio::awaitable<void> update_targets(std::shared_ptr<const policy::config> cfg,
                                              std::vector<dns::verification_target> targets,
                                              std::vector<dns::verification_target> dkim_targets);
  boost::asio::awaitable<void> reconcile_mail_from(std::shared_ptr<const policy::config> cfg, policy::timestamp at,
                                                   std::vector<dns::verification_target>& targets);
  boost::asio::awaitable<bool> check_on_strand(std::string identity, bool dkim);
  boost::asio::awaitable<void> stop_on_strand();

  boost::asio::any_io_executor io_;
  std::atomic<bool> mail_from_checks_{true};
  state_store& store_;
  live_view& view_;
  verification_recorder recorder_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  std::unique_ptr<dns::resolver> resolver_;
  relay_metrics& metrics_;
  std::unique_ptr<dns::resolver_mail_from_checker> checker_;
  std::unique_ptr<timed_checker> timed_;
  std::unique_ptr<dns::verifier> verifier_;
  // Easy DKIM: the same verifier code with a dkim_checker, its own recorder and store.
  const dkim::dkim_key_store* dkim_keys_;
  std::unique_ptr<verification_recorder> dkim_recorder_;
  std::unique_ptr<dns::dkim_checker> dkim_checker_;
  std::unique_ptr<dns::verifier> dkim_verifier_;
};

}  // namespace mfrelay::relay
