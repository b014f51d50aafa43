#include "relay/daemon/admin_service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <exception>
#include <filesystem>

#include "relay/admin/api_error.hpp"
#include "relay/common/durable_file.hpp"
#include "relay/common/clock.hpp"
#include "relay/config/config_loader.hpp"

namespace mfrelay::relay {
namespace asio = boost::asio;

admin_service::admin_service(asio::any_io_executor io, asio::any_io_executor worker, live_view& view,
                             verification_service& verification, const relay_metrics& metrics, reload_function reload)
    : worker_(std::move(worker)),
      view_(view),
      verification_(verification),
      metrics_(metrics),
      reload_(std::move(reload)),
      lock_(std::move(io)) {}

namespace {

// DKIM keys are files under each node's state_dir: a change that would make
// keys (Easy DKIM) or store one (BYODKIM) on the node that took the request
// would reach every node's policy but leave the others signing with other
// keys, or none. On a cluster the operator puts a BYODKIM key file on every
// node and pushes the setting (README "Running several nodes").
std::string cluster_dkim_refusal(const identity_change& change) {
  const bool enables = (change.what == identity_change::kind::set_dkim && change.dkim_enabled) ||
                       change.what == identity_change::kind::set_dkim_signing;
  if (!enables) return "";
  return "on a cluster, DKIM signing is set up on every node: put the same BYODKIM key file on each node "
         "(dkim_selector and dkim_private_key_file in policy.d) and run `mfrelay policy push`; a key made or "
         "sent here would exist on this node only";
}

}  // namespace

asio::awaitable<std::vector<policy::config_error>> admin_service::change(identity_change change) {
  auto held = co_await lock_.lock();
  if (cluster_) {
    std::string refusal = cluster_dkim_refusal(change);
    if (!refusal.empty()) co_return std::vector<policy::config_error>{{{}, std::move(refusal)}};
  }

  const bool new_key = change.what == identity_change::kind::set_dkim_signing && !change.dkim_private_key.empty();
  std::vector<policy::config_error> errors;
  if (new_key) {
    errors = co_await asio::co_spawn(worker_, store_key(change), asio::use_awaitable);
    if (!errors.empty()) co_return errors;
  }
  std::exception_ptr unwritten;  // an api_error: the cluster's policy could not take the change
  try {
    errors = co_await asio::co_spawn(worker_, plan_and_write(change), asio::use_awaitable);
  } catch (const api_error&) {
    unwritten = std::current_exception();
  }
  if (unwritten) {
    if (new_key) co_await asio::co_spawn(worker_, undo_key(change.identity), asio::use_awaitable);
    std::rethrow_exception(unwritten);
  }
  if (errors.empty()) {
    co_await restart_if_failed(change);
    errors = co_await reload_("admin API");
    if (!errors.empty() && !replaced_.empty()) {
      spdlog::warn("admin API: the reload refused the change; policy.d is put back as it was");
      co_await asio::co_spawn(worker_, undo_writes(), asio::use_awaitable);
    }
  }
  if (!errors.empty() && new_key) co_await asio::co_spawn(worker_, undo_key(change.identity), asio::use_awaitable);
  co_return errors;
}

dkim_status admin_service::dkim_state(const policy::identity& id) const {
  if (!id.dkim) return dkim_status::not_started;
  // The DNS-checked state the sessions sign by. None yet: the keys are being
  // made and the first check starts at PENDING, as SES answers right after enabling.
  auto state = view_.states()->dkim_state(id.name);
  if (!state) return dkim_status::pending;
  switch (state->status) {
    case policy::mail_from_status::success: return dkim_status::success;
    case policy::mail_from_status::temporary_failure: return dkim_status::temporary_failure;
    case policy::mail_from_status::failed: return dkim_status::failed;
    case policy::mail_from_status::pending: break;
  }
  return dkim_status::pending;
}

asio::awaitable<std::vector<policy::config_error>> admin_service::store_key(identity_change change) {
  auto cfg = view_.config();
  if (!dkim_) co_return std::vector<policy::config_error>{{{}, "this relay keeps no DKIM keys"}};
  std::string error;
  auto key = dkim::dkim_key::from_operator(change.dkim_private_key, error);
  if (!key) co_return std::vector<policy::config_error>{{{}, error}};
  try {
    replaced_key_ = dkim_->external_pem(change.identity);
    dkim_->put_external(change.identity, *key);
  } catch (const std::exception& e) {
    spdlog::error("admin API: cannot store the DKIM key of {}: {}", change.identity, e.what());
    co_return std::vector<policy::config_error>{{{cfg->relay.state_dir, 0, 0}, std::string("cannot write: ") + e.what()}};
  }
  spdlog::info("admin API stored the BYODKIM key of {} (selector {})", change.identity, change.dkim_selector);
  co_return std::vector<policy::config_error>{};
}

asio::awaitable<void> admin_service::undo_key(std::string domain) {
  try {
    if (replaced_key_) {
      write_file_durably(dkim_->directory_of(domain) / "external.pem", *replaced_key_, 0600);
    } else {
      dkim_->remove_external(domain);
    }
  } catch (const std::exception& e) {
    spdlog::error("admin API: cannot put back the DKIM key of {}: {}", domain, e.what());
  }
  co_return;
}

asio::awaitable<void> admin_service::undo_writes() {
  put_back();
  co_return;
}

void admin_service::put_back() {
  if (cluster_) {
    std::vector<policy_text> files;
    for (const auto& f : replaced_) files.push_back({f.path, f.text.value_or("")});
    try {
      if (!cluster_->write(files, written_revision_))
        spdlog::error("admin API: the cluster's policy changed again meanwhile: the refused change stays there");
    } catch (const std::exception& e) {
      spdlog::error("admin API: cannot put back the cluster's policy: {}", e.what());
    }
    return;
  }
  for (const auto& f : replaced_) {
    try {
      if (f.text) {
        write_file_durably(f.path, *f.text);
      } else {
        std::filesystem::remove(f.path);
      }
    } catch (const std::exception& e) {
      spdlog::error("admin API: cannot put back {}: {}", f.path, e.what());
    }
  }
}

asio::awaitable<std::vector<policy::config_error>> admin_service::plan_and_write(identity_change change) {
  replaced_.clear();  // what this change replaces, and only that, is put back should its reload refuse it
  // The revision before the configuration: the reload makes a configuration
  // live before its revision, so a plan made on an older configuration than
  // `expected` names is refused by the write, never written over a newer one.
  const std::int64_t expected = cluster_ ? cluster_->loaded_revision() : 0;
  auto cfg = view_.config();
  policy_write_plan plan = plan_policy_write(*cfg, change);
  if (!plan.errors.empty() || plan.writes.empty()) co_return plan.errors;
  std::vector<policy::config_error> errors;
  if (!cluster_) errors = check_files_unchanged(*cfg, plan.writes);
  if (!errors.empty()) co_return errors;
  policy::config next = planned_config(*cfg, plan.writes, errors);
  if (errors.empty()) errors = policy::validate_config(next);
  if (!errors.empty()) co_return errors;  // refused: nothing written
  co_return cluster_ ? write_cluster(plan.writes, expected) : write_files(*cfg, plan.writes);
}

std::vector<policy::config_error> admin_service::write_files(const policy::config& cfg,
                                                             const std::vector<policy_file_write>& writes) {
  for (const auto& w : writes) {
    previous_file before{w.path, std::nullopt};
    std::string text;
    std::vector<policy::config_error> read_errors;
    if (std::filesystem::exists(w.path)) {
      if (!read_text_file(w.path, text, read_errors)) return read_errors;
      before.text = std::move(text);
    }
    replaced_.push_back(std::move(before));
  }
  try {
    write_policy_files(writes);
  } catch (const std::exception& e) {
    spdlog::error("admin API: cannot write policy.d: {}", e.what());
    put_back();  // a change of several files is not left half done
    return {{{cfg.relay.policy_dir, 0, 0}, std::string("cannot write: ") + e.what()}};
  }
  for (const auto& w : writes) spdlog::info("admin API wrote {}", w.path);
  return {};
}

std::vector<policy::config_error> admin_service::write_cluster(const std::vector<policy_file_write>& writes,
                                                               std::int64_t expected) {
  std::vector<policy_text> files;
  for (const auto& w : writes) {
    std::string name = std::filesystem::path(w.path).filename().string();
    std::string before = cluster_->last_text(name);
    replaced_.push_back({name, before.empty() ? std::nullopt : std::optional(std::move(before))});
    files.push_back({std::move(name), w.text});
  }
  std::optional<std::int64_t> revision;
  try {
    revision = cluster_->write(files, expected);
  } catch (const std::exception& e) {
    spdlog::error("admin API: cannot write the cluster's policy: {}", e.what());
    throw api_error(503, "ServiceUnavailable",
                    "the cluster's store (PostgreSQL) does not answer: nothing was written; try again later");
  }
  if (!revision)
    throw api_error(409, "ConcurrentModificationException",
                    "the cluster's policy was changed on another node meanwhile: nothing was written; try again");
  written_revision_ = *revision;
  for (const auto& f : files) spdlog::info("admin API wrote {} to the cluster's policy (revision {})", f.name, *revision);
  return {};
}

asio::awaitable<void> admin_service::restart_if_failed(const identity_change& change) {
  if (change.what != identity_change::kind::set_mail_from || !change.mail_from_domain ||
      change.mail_from_domain->empty())
    co_return;
  auto current = verification_.recorder().current(change.identity);
  if (!current || current->mail_from_domain != *change.mail_from_domain ||
      current->state.status != policy::mail_from_status::failed)
    co_return;
  state_write w;
  w.current = *current;
  w.current.state = policy::initial_state(now());
  w.current.reason = "waiting for the first check";
  w.transition = state_transition{change.identity,   *change.mail_from_domain, policy::mail_from_status::failed,
                                  w.current.state.status, w.current.state.since,     "MAIL FROM domain set again",
                                  {}};
  std::vector<state_write> writes;
  writes.push_back(std::move(w));
  co_await verification_.recorder().apply(std::move(writes), {});
}

asio::awaitable<bool> admin_service::verify_now(std::string identity) {
  // On a cluster only the verifier checks: another node passes the request on
  // (a check started, as SES's verify calls start one and return).
  if (forward_check_ && !verification_.mail_from_checks()) {
    forward_check_(std::move(identity));
    co_return true;
  }
  co_return co_await verification_.check_now(std::move(identity));
}

asio::awaitable<std::vector<queued_message>> admin_service::queue_list() {
  if (!delivery_) co_return std::vector<queued_message>{};
  co_return co_await delivery_->list();
}

asio::awaitable<std::size_t> admin_service::queue_flush() {
  if (!delivery_) co_return 0;
  co_return co_await delivery_->flush();
}

asio::awaitable<queue_removal> admin_service::queue_remove(std::string id) {
  if (!delivery_) co_return queue_removal::not_found;
  co_return co_await delivery_->remove(std::move(id));
}

namespace {
// A plain function, not a capturing lambda: a coroutine's frame keeps its
// parameters, while a lambda's captures die with the temporary lambda.
boost::asio::awaitable<void> run_work(std::function<void()> work) {
  work();
  co_return;
}
}  // namespace

// The admin pool's thread: a SQLite write (fsync) never holds an I/O thread.
boost::asio::awaitable<void> admin_service::blocking(std::function<void()> work) {
  co_await boost::asio::co_spawn(worker_, run_work(std::move(work)), boost::asio::use_awaitable);
}

}  // namespace mfrelay::relay
