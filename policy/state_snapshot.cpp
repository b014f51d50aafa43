#include "policy/state_snapshot.hpp"

#include <functional>

namespace mfrelay::policy {
namespace {

// The key of one setting: identity names hold no line feed (parse_identity_name
// refuses control characters), so "identity\ndomain" is unambiguous.
std::string_view compose_setting(std::string_view identity, std::string_view mail_from_domain, char (&buffer)[640],
                             std::string& spill) {
  const std::size_t length = identity.size() + 1 + mail_from_domain.size();
  char* out = buffer;
  if (length > sizeof buffer) {
    spill.resize(length);
    out = spill.data();
  }
  std::size_t at = identity.copy(out, identity.size());
  out[at++] = '\n';
  mail_from_domain.copy(out + at, mail_from_domain.size());
  return {out, length};
}

}  // namespace

// A shard about to change, copied with room for a few more entries: a plain
// copy has no spare capacity, so the next entry doubled each of its buffers
// (a first pass over 10^5 identities clones some shard for almost every one).
std::shared_ptr<state_snapshot::shard> state_snapshot::clone(const shard& s) {
  constexpr std::size_t room = 4;
  auto copy = std::make_shared<shard>();
  copy->states.reserve(s.states.size() + room);
  copy->states.assign(s.states.begin(), s.states.end());
  copy->by_identity = s.by_identity.with_room(room);
  copy->by_setting = s.by_setting.with_room(room);
  return copy;
}

state_snapshot::state_snapshot() : shards_(shard_count) {}

std::size_t state_snapshot::shard_of(std::string_view identity) {
  // The top bits: name_index places names by the low bits of the same hash,
  // which would all be alike inside a shard chosen by them.
  return static_cast<std::size_t>(std::hash<std::string_view>{}(identity) >> 54) % shard_count;
}

void state_snapshot::set(const std::string& identity, const std::string& mail_from_domain,
                         verification_state state) {
  std::shared_ptr<shard>& s = shards_[shard_of(identity)];
  if (!s)
    s = std::make_shared<shard>();
  else if (s.use_count() > 1)
    s = clone(*s);  // copy on write: other snapshots keep theirs
  char buffer[640];
  std::string spill;
  const std::string_view key = compose_setting(identity, mail_from_domain, buffer, spill);
  if (std::size_t at = s->by_identity.find(identity); at != name_index::npos) {
    s->states[at] = state;
    if (s->by_setting.find(key) == at) return;  // the same MAIL FROM domain
    // The old setting's key must stop matching: index this shard's settings
    // afresh, with the new key at this identity's position.
    name_index settings;
    s->by_setting.for_each([&](std::string_view name, std::size_t position) {
      settings.insert(position == at ? key : name, position);
    });
    s->by_setting = std::move(settings);
    return;
  }
  s->by_identity.insert(identity, s->states.size());
  s->by_setting.insert(key, s->states.size());
  s->states.push_back(state);
  ++size_;
}

bool state_snapshot::contains(std::string_view identity) const {
  const shard* s = shards_[shard_of(identity)].get();
  return s && s->by_identity.find(identity) != name_index::npos;
}

state_snapshot::setting_key state_snapshot::key_of(std::string_view identity, std::string_view mail_from_domain) {
  char buffer[640];
  std::string spill;
  return {name_index::hash_of(compose_setting(identity, mail_from_domain, buffer, spill)),
          static_cast<std::uint32_t>(shard_of(identity))};
}

std::optional<verification_state> state_snapshot::probe(const setting_key& key, std::string_view identity,
                                                        std::string_view mail_from_domain) const {
  const shard* s = shards_[key.shard % shard_count].get();
  if (!s) return std::nullopt;
  // The stored key is "identity\nmail_from_domain": compared in place, not composed.
  auto equal = [&](std::string_view stored) {
    return stored.size() == identity.size() + 1 + mail_from_domain.size() && stored.starts_with(identity) &&
           stored[identity.size()] == '\n' && stored.ends_with(mail_from_domain);
  };
  std::size_t at = s->by_setting.find_hashed(key.hash, equal, [s](std::size_t i) { __builtin_prefetch(&s->states[i]); });
  if (at == name_index::npos) return std::nullopt;
  return s->states[at];
}

std::optional<verification_state> state_snapshot::find(std::string_view identity,
                                                       std::string_view mail_from_domain) const {
  return probe(key_of(identity, mail_from_domain), identity, mail_from_domain);
}

std::optional<verification_state> state_snapshot::find(const setting_key& key, std::string_view identity,
                                                       std::string_view mail_from_domain) const {
  if (auto state = probe(key, identity, mail_from_domain)) return state;
  // Not held, or `key` is not this setting's: only a recomputed key can tell.
  const setting_key fresh = key_of(identity, mail_from_domain);
  if (fresh.hash != key.hash || fresh.shard != key.shard) return probe(fresh, identity, mail_from_domain);
  return std::nullopt;
}

std::optional<verification_state> state_snapshot::dkim_state(std::string_view identity) const {
  if (!dkim_) return std::nullopt;
  auto it = dkim_->find(identity);
  if (it == dkim_->end()) return std::nullopt;
  return it->second;
}

void state_snapshot::set_dkim(const std::string& identity, verification_state state) {
  if (!dkim_)
    dkim_ = std::make_shared<dkim_map>();
  else if (dkim_.use_count() > 1)
    dkim_ = std::make_shared<dkim_map>(*dkim_);  // other snapshots keep theirs
  (*dkim_)[identity] = state;
}

void state_snapshot::forget_dkim(const std::string& identity) {
  if (!dkim_ || !dkim_->contains(identity)) return;
  if (dkim_.use_count() > 1) dkim_ = std::make_shared<dkim_map>(*dkim_);
  dkim_->erase(identity);
}

}  // namespace mfrelay::policy
