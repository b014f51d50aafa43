#include "relay/state/pg_state_store.hpp"

#include <exception>
#include <memory>
#include <string>

namespace mfrelay::relay {
namespace {

std::string ms(policy::timestamp t) { return std::to_string(t.time_since_epoch().count()); }
policy::timestamp from_ms(const pg_value& v) { return policy::timestamp{policy::duration{std::stoll(v.value_or("0"))}}; }
std::string text(const pg_value& v) { return v.value_or(""); }

policy::mail_from_status status_from(const std::string& text) {
  return policy::parse_mail_from_status(text).value_or(policy::mail_from_status::pending);
}

policy::spf_status spf_from(const std::string& text) {
  for (auto s : {policy::spf_status::ok, policy::spf_status::missing, policy::spf_status::wrong}) {
    if (text == to_string(s)) return s;
  }
  return policy::spf_status::unknown;
}

}  // namespace

namespace {

constexpr const char* select_states =
    "SELECT identity, mail_from_domain, status, since_ms, last_check_ms, last_outcome, reason, spf, spf_reason "
    "FROM mail_from_state";

std::vector<stored_state> states_of(const pg_result& r) {
  std::vector<stored_state> out;
  for (const auto& row : r.rows) {
    stored_state s;
    s.identity = text(row[0]);
    s.mail_from_domain = text(row[1]);
    s.state = {status_from(text(row[2])), from_ms(row[3])};
    if (row[4]) s.last_check = from_ms(row[4]);
    s.last_outcome = text(row[5]);
    s.reason = text(row[6]);
    s.spf = spf_from(text(row[7]));
    s.spf_reason = text(row[8]);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::optional<std::vector<stored_state>> pg_read_states(pg_connection& db) {
  auto exists = db.exec("SELECT to_regclass('mail_from_state') IS NOT NULL");
  if (exists.rows.empty() || exists.rows[0][0] != "t") return std::nullopt;
  return states_of(db.exec(select_states));
}

pg_state_store::pg_state_store(pg_store& store) : store_(store) {
  for (auto& s : states_of(store_.read(select_states))) current_.emplace(s.identity, std::move(s));
}

std::vector<stored_state> pg_state_store::load_all() {
  std::lock_guard lock(mutex_);
  std::vector<stored_state> out;
  out.reserve(current_.size());
  for (const auto& [id, s] : current_) out.push_back(s);
  return out;
}

std::optional<stored_state> pg_state_store::load(const std::string& identity) {
  std::lock_guard lock(mutex_);
  auto it = current_.find(identity);
  if (it == current_.end()) return std::nullopt;
  return it->second;
}

void pg_state_store::write(const std::vector<state_write>& writes) {
  if (writes.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (const auto& w : writes) current_.insert_or_assign(w.current.identity, w.current);
  }
  auto batch = std::make_shared<const std::vector<state_write>>(writes);
  store_.writer().submit([batch](pg_connection& db) {
    bool notify = false;
    for (const auto& w : *batch) {
      const auto& c = w.current;
      db.exec("INSERT INTO mail_from_state (identity, mail_from_domain, status, since_ms, last_check_ms, last_outcome, "
              "reason, spf, spf_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (identity) DO UPDATE "
              "SET mail_from_domain = $2, status = $3, since_ms = $4, last_check_ms = $5, last_outcome = $6, "
              "reason = $7, spf = $8, spf_reason = $9",
              {c.identity, c.mail_from_domain, std::string(to_string(c.state.status)), ms(c.state.since),
               c.last_check ? pg_value(ms(*c.last_check)) : std::nullopt, c.last_outcome, c.reason,
               std::string(to_string(c.spf)), c.spf_reason});
      if (const auto& t = w.transition) {
        notify = true;
        db.exec("INSERT INTO mail_from_history (identity, mail_from_domain, from_status, to_status, at_ms, reason, "
                "evidence) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                {t->identity, t->mail_from_domain, t->from ? pg_value(std::string(to_string(*t->from))) : std::nullopt,
                 std::string(to_string(t->to)), ms(t->at), t->reason, t->evidence});
      }
    }
    // In the same transaction: the other nodes (pg_cluster_link) are told on
    // COMMIT, and re-read the states then.
    if (notify) db.exec("SELECT pg_notify($1, '')", {std::string(pg_state_channel)});
  });
}

void pg_state_store::remove(const std::vector<std::string>& identities) {
  if (identities.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (const auto& id : identities) current_.erase(id);
  }
  store_.writer().submit([identities](pg_connection& db) {
    for (const auto& id : identities) db.exec("DELETE FROM mail_from_state WHERE identity = $1", {id});
  });
}

std::optional<std::vector<state_change>> pg_state_store::reread() {
  if (store_.writer().queued() > 0) return std::nullopt;
  std::vector<stored_state> fresh;
  try {
    fresh = states_of(store_.read(select_states));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::lock_guard lock(mutex_);
  auto changes = state_changes(current_, fresh);
  current_.clear();
  for (auto& s : fresh) current_.emplace(s.identity, std::move(s));
  return changes;
}

std::vector<state_transition> pg_state_store::history(const std::string& identity, std::size_t limit) {
  auto r = store_.read(
      "SELECT identity, mail_from_domain, from_status, to_status, at_ms, reason, evidence FROM mail_from_history "
      "WHERE $1 = '' OR identity = $1 ORDER BY id DESC LIMIT $2",
      {identity, std::to_string(limit)});
  std::vector<state_transition> out;
  for (const auto& row : r.rows) {
    state_transition t;
    t.identity = text(row[0]);
    t.mail_from_domain = text(row[1]);
    if (row[2]) t.from = status_from(*row[2]);
    t.to = status_from(text(row[3]));
    t.at = from_ms(row[4]);
    t.reason = text(row[5]);
    t.evidence = text(row[6]);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace mfrelay::relay
