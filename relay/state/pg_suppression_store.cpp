#include "relay/state/pg_suppression_store.hpp"

#include <string>

namespace mfrelay::relay {

std::vector<suppressed_destination> pg_suppression_store::load_all() {
  auto r = store_.read("SELECT address, reason, last_update_ms, message_id, feedback_id FROM suppressed_destination");
  std::map<std::string, suppressed_destination> rows;
  for (const auto& row : r.rows) {
    suppressed_destination d;
    d.address = row[0].value_or("");
    d.reason = parse_suppression_reason(row[1].value_or("")).value_or(suppression_reason::bounce);
    d.last_update = policy::timestamp{policy::duration{std::stoll(row[2].value_or("0"))}};
    d.message_id = row[3].value_or("");
    d.feedback_id = row[4].value_or("");
    rows.insert_or_assign(d.address, std::move(d));
  }
  {
    std::lock_guard lock(mutex_);
    for (const auto& [address, p] : pending_) {
      if (p.entry) rows.insert_or_assign(address, *p.entry);
      else rows.erase(address);
    }
  }
  std::vector<suppressed_destination> out;
  out.reserve(rows.size());
  for (auto& [address, d] : rows) out.push_back(std::move(d));
  return out;
}

void pg_suppression_store::forget(const std::string& address, std::uint64_t seq) {
  std::lock_guard lock(mutex_);
  auto it = pending_.find(address);
  if (it != pending_.end() && it->second.seq == seq) pending_.erase(it);
}

void pg_suppression_store::put(const suppressed_destination& entry) {
  std::uint64_t seq;
  {
    std::lock_guard lock(mutex_);
    seq = ++seq_;
    pending_.insert_or_assign(entry.address, pending{seq, entry});
  }
  store_.writer().submit(
      [entry](pg_connection& db) {
        db.exec("INSERT INTO suppressed_destination (address, reason, last_update_ms, message_id, feedback_id) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (address) DO UPDATE SET reason = $2, last_update_ms = $3, "
                "message_id = $4, feedback_id = $5",
                {entry.address, std::string(to_string(entry.reason)),
                 std::to_string(entry.last_update.time_since_epoch().count()), entry.message_id, entry.feedback_id});
      },
      [this, address = entry.address, seq] { forget(address, seq); });
}

bool pg_suppression_store::remove(std::string_view address) {
  std::string key(address);
  std::uint64_t seq;
  {
    std::lock_guard lock(mutex_);
    seq = ++seq_;
    pending_.insert_or_assign(key, pending{seq, std::nullopt});
  }
  store_.writer().submit(
      [key](pg_connection& db) { db.exec("DELETE FROM suppressed_destination WHERE address = $1", {key}); },
      [this, key, seq] { forget(key, seq); });
  return false;
}

std::optional<std::vector<suppression_reason>> pg_suppression_store::load_reasons() {
  {
    std::lock_guard lock(mutex_);
    if (pending_reasons_) return pending_reasons_;
  }
  auto r = store_.read("SELECT value FROM account_setting WHERE name = 'suppressed_reasons'");
  if (r.rows.empty()) return std::nullopt;
  return parse_suppression_reasons(r.rows[0][0].value_or(""));
}

void pg_suppression_store::save_reasons(const std::vector<suppression_reason>& reasons) {
  {
    std::lock_guard lock(mutex_);
    pending_reasons_ = reasons;
  }
  std::string text = suppression_reasons_text(reasons);
  store_.writer().submit(
      [text](pg_connection& db) {
        db.exec("INSERT INTO account_setting (name, value) VALUES ('suppressed_reasons', $1) "
                "ON CONFLICT (name) DO UPDATE SET value = $1",
                {text});
      },
      [this, reasons] {
        std::lock_guard lock(mutex_);
        if (pending_reasons_ == reasons) pending_reasons_.reset();
      });
}

}  // namespace mfrelay::relay
