// The daemon's side of the admin API (admin_backend): reads the live view and
// states, and applies identity changes one at a time: plan the policy.d
// rewrite, validate the whole configuration with it, write the files durably
// (on a worker thread), then reload as SIGHUP does. Should that reload refuse
// (it reads every file, so another file's bad edit can make it fail), the
// files are put back as they were: a refused change is never left on disk.
// With a cluster policy (PostgreSQL) the same files are written to the
// database instead, over the revision this node loaded (cluster_policy.hpp).
// Awaitable from any executor. The changes come from authenticated admin clients.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "relay/admin/admin_backend.hpp"
#include "relay/admin/policy_writer.hpp"
#include "relay/cluster/cluster_policy.hpp"
#include "relay/common/async_mutex.hpp"
#include "relay/metrics/relay_metrics.hpp"
#include "relay/common/live_view.hpp"
#include "relay/delivery/delivery_queue.hpp"
#include "relay/verification/dmarc_reader.hpp"
#include "relay/verification/verification_service.hpp"

namespace mfrelay::relay {

class admin_service final : public admin_backend {
 public:
  // `reload` loads policy from disk and applies it (the SIGHUP path); it
  // returns the errors that refused it.
  using reload_function = std::function<boost::asio::awaitable<std::vector<policy::config_error>>(std::string why)>;

  admin_service(boost::asio::any_io_executor io, boost::asio::any_io_executor worker, live_view& view,
                verification_service& verification, const relay_metrics& metrics, reload_function reload);

  std::shared_ptr<const policy::config> config() const override { return view_.config(); }
  std::vector<stored_state> stored_states() const override { return verification_.recorder().all(); }
  std::vector<stored_state> stored_dkim_states() const override {
    auto* dkim = verification_.dkim_recorder();
    return dkim ? dkim->all() : std::vector<stored_state>{};
  }
  boost::asio::awaitable<std::vector<policy::config_error>> change(identity_change change) override;
  boost::asio::awaitable<bool> verify_now(std::string identity) override;
  boost::asio::awaitable<std::vector<state_transition>> history(std::string identity, std::size_t limit) override {
    return verification_.recorder().history(std::move(identity), limit);
  }
  // The DNS-checked DKIM status (the live snapshot's).
  dkim_status dkim_state(const policy::identity& id) const override;
  std::shared_ptr<const dkim::identity_keys> dkim_keys(const std::string& identity) const override {
    return dkim_ ? dkim_->find(identity) : nullptr;
  }
  // The key store the reload fills and BYODKIM keys go to; set once before serving.
  void set_dkim(dkim::dkim_key_store* store) { dkim_ = store; }
  // With [store] kind = "postgresql": changes go to the cluster's policy, not
  // policy.d; set once before serving. Used on the worker only.
  void set_cluster_policy(cluster_policy* policy) { cluster_ = policy; }
  // With a shared store: how a node that is not the verifier asks the
  // verifier to check an identity now (pg_cluster_link::request_check).
  void set_check_forwarder(std::function<void(std::string)> forward) { forward_check_ = std::move(forward); }
  std::string metrics_text() const override { return render_metrics(metrics_); }
  std::shared_ptr<const dmarc_view> dmarc() const override { return dmarc_ ? dmarc_->view() : nullptr; }
  // The DMARC reader the status and explain routes ask; set once before serving.
  void set_dmarc(const dmarc_reader* reader) { dmarc_ = reader; }
  bool ready() const override { return ready_.load(); }

  void set_ready(bool ready) { ready_.store(ready); }
  // With a shared store: how to ask whether it answers; set once before serving.
  void set_store_status(std::function<bool()> up) { store_up_ = std::move(up); }
  std::optional<bool> store_up() const override {
    if (!store_up_) return std::nullopt;
    return store_up_();
  }
  // The queue `mfrelay queue` lists; set once before serving.
  void set_delivery(delivery_queue* delivery) { delivery_ = delivery; }
  boost::asio::awaitable<std::vector<queued_message>> queue_list() override;
  boost::asio::awaitable<std::size_t> queue_flush() override;
  boost::asio::awaitable<queue_removal> queue_remove(std::string id) override;
  // The account's suppression list, quota and statistics; set once before serving.
  void set_account(suppression_list* suppression, const send_quota* quota, const send_statistics* statistics) {
    suppression_ = suppression;
    quota_ = quota;
    statistics_ = statistics;
  }
  suppression_list* suppression() override { return suppression_; }
  const send_quota* quota() const override { return quota_; }
  const send_statistics* statistics() const override { return statistics_; }
  boost::asio::awaitable<void> blocking(std::function<void()> work) override;
  // Waits for the change under way, if any; no change starts while the guard lives.
  boost::asio::awaitable<async_mutex::guard> hold_changes() { return lock_.lock(); }

 private:
  // Runs on the worker: blocking file reads and writes.
  boost::asio::awaitable<std::vector<policy::config_error>> plan_and_write(identity_change change);
  // plan_and_write's last step, to policy.d or to the cluster's policy.
  std::vector<policy::config_error> write_files(const policy::config& cfg, const std::vector<policy_file_write>& writes);
  // Throws api_error: 409 when another node wrote first, 503 when the database does not answer.
  std::vector<policy::config_error> write_cluster(const std::vector<policy_file_write>& writes, std::int64_t expected);
  // Runs on the worker: puts back what plan_and_write replaced.
  boost::asio::awaitable<void> undo_writes();
  void put_back();
  // A Failed MAIL FROM domain set again restarts at Pending (SES: "restart the setup process").
  boost::asio::awaitable<void> restart_if_failed(const identity_change& change);

  // Runs on the worker: writes a BYODKIM change's key before its policy.d
  // write; the key it replaced (if any) is kept for undo_key().
  boost::asio::awaitable<std::vector<policy::config_error>> store_key(identity_change change);
  boost::asio::awaitable<void> undo_key(std::string domain);

  dkim::dkim_key_store* dkim_ = nullptr;
  cluster_policy* cluster_ = nullptr;
  std::int64_t written_revision_ = 0;  // of the cluster's policy, by the change under way (under lock_)
  std::optional<std::string> replaced_key_;  // the external.pem store_key() replaced (under lock_)
  delivery_queue* delivery_ = nullptr;
  const dmarc_reader* dmarc_ = nullptr;
  suppression_list* suppression_ = nullptr;
  const send_quota* quota_ = nullptr;
  const send_statistics* statistics_ = nullptr;
  boost::asio::any_io_executor worker_;
  live_view& view_;
  verification_service& verification_;
  const relay_metrics& metrics_;
  reload_function reload_;
  std::function<bool()> store_up_;
  std::function<void(std::string)> forward_check_;
  std::atomic<bool> ready_{false};
  async_mutex lock_;  // changes never interleave (admin sessions run on several threads)
  struct previous_file {
    std::string path;  // a file name inside the cluster's policy
    std::optional<std::string> text;  // none: the file did not exist
  };
  std::vector<previous_file> replaced_;  // by the change under way (under lock_)
};

}  // namespace mfrelay::relay
