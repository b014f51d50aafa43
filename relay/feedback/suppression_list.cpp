#include "relay/feedback/suppression_list.hpp"

#include <algorithm>
#include <stdexcept>

#include "policy/email_address.hpp"
#include "relay/common/idna.hpp"

namespace mfrelay::relay {
namespace {

// Lower-cases the ASCII letters after the last '@' (what the SMTP side
// already did to every recipient it accepted, so usually a plain copy).
std::string fold_domain(std::string_view address) {
  std::string out(address);
  std::size_t at = out.rfind('@');
  if (at == std::string::npos) return out;
  for (std::size_t i = at + 1; i < out.size(); ++i) {
    char c = out[i];
    if (c >= 'A' && c <= 'Z') out[i] = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

suppression_list::suppression_list(suppression_store* store, std::vector<suppression_reason> automatic)
    : store_(store), automatic_(std::move(automatic)) {
  if (!store_) return;
  for (auto& e : store_->load_all()) {
    std::string key = e.address;
    entries_.insert_or_assign(std::move(key), std::move(e));
  }
  if (auto saved = store_->load_reasons()) automatic_ = std::move(*saved);
}

std::optional<std::string> suppression_list::canonical(std::string_view address) {
  auto parsed = policy::check_email_address(address, &idna_to_ascii);
  if (!parsed.value) return std::nullopt;
  return parsed.value->local + '@' + parsed.value->domain;
}

void suppression_list::record(const suppressed_destination& entry) {
  std::lock_guard writing(write_lock_);
  if (store_) store_->put(entry);
  std::unique_lock hold(lock_);
  entries_.insert_or_assign(entry.address, entry);
}

bool suppression_list::add(std::string_view address, suppression_reason reason, policy::timestamp at,
                           std::string_view message_id, std::string_view feedback_id) {
  {
    std::shared_lock hold(lock_);
    if (std::find(automatic_.begin(), automatic_.end(), reason) == automatic_.end()) return false;
  }
  auto key = canonical(address);
  if (!key) return false;
  record({*key, reason, at, std::string(message_id), std::string(feedback_id)});
  return true;
}

suppressed_destination suppression_list::put(std::string_view address, suppression_reason reason,
                                             policy::timestamp at) {
  auto key = canonical(address);
  if (!key) throw std::invalid_argument("'" + std::string(address) + "' is not an email address");
  suppressed_destination entry{*key, reason, at, "", ""};
  record(entry);
  return entry;
}

std::optional<suppressed_destination> suppression_list::get(std::string_view address) const {
  auto key = canonical(address);
  if (!key) return std::nullopt;
  std::shared_lock hold(lock_);
  auto it = entries_.find(*key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

bool suppression_list::remove(std::string_view address) {
  auto key = canonical(address);
  if (!key) return false;
  std::lock_guard writing(write_lock_);
  bool stored = store_ ? store_->remove(*key) : false;
  std::unique_lock hold(lock_);
  return entries_.erase(*key) > 0 || stored;
}

bool suppression_list::suppressed(std::string_view address) const {
  std::string key = fold_domain(address);
  std::shared_lock hold(lock_);
  return entries_.contains(key);
}

suppression_page suppression_list::list(const suppression_query& q) const {
  std::vector<suppressed_destination> matching;
  {
    std::shared_lock hold(lock_);
    for (const auto& [address, e] : entries_) {
      if (!q.after.empty() && address <= q.after) continue;
      if (!q.reasons.empty() && std::find(q.reasons.begin(), q.reasons.end(), e.reason) == q.reasons.end()) continue;
      if (q.start && e.last_update < *q.start) continue;
      if (q.end && e.last_update > *q.end) continue;
      matching.push_back(e);
    }
  }
  std::sort(matching.begin(), matching.end(),
            [](const suppressed_destination& a, const suppressed_destination& b) { return a.address < b.address; });
  suppression_page page;
  std::size_t n = std::max<std::size_t>(q.page_size, 1);
  if (matching.size() > n) {
    matching.resize(n);
    page.next = matching.back().address;
  }
  page.items = std::move(matching);
  return page;
}

std::size_t suppression_list::size() const {
  std::shared_lock hold(lock_);
  return entries_.size();
}

void suppression_list::refresh() {
  if (!store_) return;
  std::lock_guard writing(write_lock_);  // no write of ours lands between the read and the swap
  std::unordered_map<std::string, suppressed_destination> fresh;
  for (auto& e : store_->load_all()) {
    std::string key = e.address;
    fresh.insert_or_assign(std::move(key), std::move(e));
  }
  auto saved = store_->load_reasons();
  std::unique_lock hold(lock_);
  entries_.swap(fresh);
  if (saved) automatic_ = std::move(*saved);
}

std::vector<suppression_reason> suppression_list::automatic_reasons() const {
  std::shared_lock hold(lock_);
  return automatic_;
}

void suppression_list::set_automatic_reasons(std::vector<suppression_reason> reasons) {
  std::sort(reasons.begin(), reasons.end());
  reasons.erase(std::unique(reasons.begin(), reasons.end()), reasons.end());
  std::lock_guard writing(write_lock_);
  if (store_) store_->save_reasons(reasons);
  std::unique_lock hold(lock_);
  automatic_ = std::move(reasons);
}

}  // namespace mfrelay::relay
