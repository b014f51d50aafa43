#include "relay/cluster/pg_cluster_link.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <exception>

#include "relay/state/pg_connection.hpp"
#include "relay/state/pg_migrations.hpp"
#include "relay/state/pg_policy_store.hpp"
#include "relay/state/pg_state_store.hpp"

namespace mfrelay::relay {

static_assert(pg_verifier_lock_key != pg_migration_lock, "the verifier would hold up every start");

pg_cluster_link::pg_cluster_link(std::string url, role_handler on_role, change_handler on_change,
                                 check_handler on_check, pg_cluster_link_settings settings)
    : url_(std::move(url)),
      on_role_(std::move(on_role)),
      on_change_(std::move(on_change)),
      on_check_(std::move(on_check)),
      settings_(settings) {
  thread_ = std::thread([this] { run(); });
}

pg_cluster_link::~pg_cluster_link() {
  stopping_.store(true);
  thread_.join();
}

void pg_cluster_link::request_check(std::string identity) {
  std::lock_guard lock(requests_mutex_);
  requests_.push_back(std::move(identity));
}

void pg_cluster_link::set_role(bool verifier) {
  if (verifier_.exchange(verifier) == verifier) return;
  if (on_role_) on_role_(verifier);
}

void pg_cluster_link::run() {
  using clock = std::chrono::steady_clock;
  pg_connection db(url_);
  bool listening = false;
  auto next_try = clock::now();
  auto next_reread = clock::now() + settings_.reread_every;
  const std::string lock_key = std::to_string(pg_verifier_lock_key);
  auto lost = [&](const char* why) {
    if (listening || verifier()) spdlog::warn("cluster: session to the store lost ({})", why);
    listening = false;
    db.reset();
    set_role(false);  // the server frees the lock of a closed session
  };
  while (!stopping_.load()) {
    try {
      if (!db.ensure()) {
        lost("cannot connect");
        ::poll(nullptr, 0, static_cast<int>(settings_.poll.count()));
        continue;
      }
      if (!listening) {
        db.exec(std::string("LISTEN ") + pg_state_channel);
        db.exec(std::string("LISTEN ") + pg_policy_channel);
        db.exec(std::string("LISTEN ") + pg_check_channel);
        listening = true;
        next_try = clock::now();
        if (on_change_) on_change_();  // what changed while away
      }
      const auto now = clock::now();
      if (now >= next_try) {
        next_try = now + settings_.try_every;
        if (verifier()) {
          db.exec("SELECT 1");  // a session that died without a word is found within try_every
        } else {
          auto r = db.exec("SELECT pg_try_advisory_lock($1::bigint)", {lock_key});
          if (!r.rows.empty() && r.rows[0][0] == "t") set_role(true);
        }
      }
      std::vector<std::string> requests;
      {
        std::lock_guard lock(requests_mutex_);
        requests.swap(requests_);
      }
      for (const auto& identity : requests) db.exec("SELECT pg_notify($1, $2)", {std::string(pg_check_channel), identity});
      bool changed = false;
      if (now >= next_reread) {
        next_reread = now + settings_.reread_every;
        changed = true;
      }
      pollfd fd{db.socket(), POLLIN, 0};
      if (fd.fd >= 0) ::poll(&fd, 1, static_cast<int>(settings_.poll.count()));
      // Also what arrived during the statements above (libpq queues it).
      for (const auto& n : db.notifications()) {
        if (n.channel != pg_check_channel) {
          changed = true;
        } else if (verifier() && on_check_) {
          on_check_(n.payload);
        }
      }
      if (!db.connected()) {
        lost("closed");
        continue;
      }
      if (changed && on_change_) on_change_();
    } catch (const std::exception& e) {
      if (!db.connected()) lost(e.what());
      else spdlog::warn("cluster: {}", e.what());
      ::poll(nullptr, 0, static_cast<int>(settings_.poll.count()));
    }
  }
  // Leaving: db's destructor closes the session, which frees the lock.
  verifier_.store(false);
}

}  // namespace mfrelay::relay
