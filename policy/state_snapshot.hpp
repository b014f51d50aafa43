// An immutable view of the live verification states, keyed by identity and
// MAIL FROM domain. The relay builds a new snapshot on every transition and
// swaps it in atomically; decisions read one snapshot for a whole transaction.
// Any thread once built. find() is hashed and allocates nothing.
//
// Copies are cheap and share storage: the states live in 1024 shards (by a
// hash of the identity) held by shared_ptr, and set() on a copy clones only
// the shard it changes. So the next snapshot after a batch of k checks costs
// O(k * n / 1024), not O(n): with 10^5 identities checked 64 at a time, a
// full rebuild per batch would be quadratic. A shard keeps its names only in
// its two indexes (no string per entry), so cloning one is five allocations.
//
// It also holds each identity's Easy DKIM verification state (dkim_state),
// which the session reads to decide whether to sign, and the admin API reads
// for DkimAttributes. Those sit in one copy-on-write map: the first set_dkim()
// on a copy clones it whole, later ones on the same copy change it in place.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/name_index.hpp"
#include "policy/verification.hpp"

namespace mfrelay::policy {

class state_snapshot {
 public:
  state_snapshot();

  // Only on a snapshot no other thread reads yet (a new one, or a copy).
  void set(const std::string& identity, const std::string& mail_from_domain, verification_state state);

  // The state of `identity`'s MAIL FROM domain, or nullopt when it was never
  // checked or the stored state belongs to an earlier MAIL FROM domain.
  std::optional<verification_state> find(std::string_view identity, std::string_view mail_from_domain) const;

  // Pending when nothing is known: a new setting starts there.
  mail_from_status status_of(std::string_view identity, std::string_view mail_from_domain) const {
    auto s = find(identity, mail_from_domain);
    return s ? s->status : mail_from_status::pending;
  }

  // What find() computes from a setting's two names before it can probe: kept
  // per identity by identity_table, so a decision's lookup starts at once
  // instead of waiting on both names' bytes (two cache misses at 10^6).
  struct setting_key {
    std::uint64_t hash = 0;
    std::uint32_t shard = 0;
  };
  static setting_key key_of(std::string_view identity, std::string_view mail_from_domain);
  // find()/status_of() with `key` computed ahead; a key that is not this
  // setting's (stale) is recomputed, so the answer is always find()'s.
  std::optional<verification_state> find(const setting_key& key, std::string_view identity,
                                         std::string_view mail_from_domain) const;
  mail_from_status status_of(const setting_key& key, std::string_view identity,
                             std::string_view mail_from_domain) const {
    auto s = find(key, identity, mail_from_domain);
    return s ? s->status : mail_from_status::pending;
  }

  // Whether any state is held for `identity`, for whichever MAIL FROM domain.
  bool contains(std::string_view identity) const;

  std::size_t size() const { return size_; }

  // Easy DKIM. nullopt: NOT_STARTED (dkim off, no keys yet, or never
  // recorded). Signing needs Success; the same states and rules as MAIL FROM.
  std::optional<verification_state> dkim_state(std::string_view identity) const;
  // Only on a snapshot no other thread reads yet, like set().
  void set_dkim(const std::string& identity, verification_state state);
  void forget_dkim(const std::string& identity);
  // Keeps `other`'s DKIM states (a MAIL FROM snapshot rebuilt from the store).
  void copy_dkim_from(const state_snapshot& other) { dkim_ = other.dkim_; }

 private:
  using dkim_map = std::map<std::string, verification_state, std::less<>>;
  std::shared_ptr<dkim_map> dkim_;  // null = none; shared (use_count > 1): cloned before a change
  struct shard {
    std::vector<verification_state> states;  // one per identity
    name_index by_identity;                  // identity -> position in states (for set)
    // "identity\nmail_from_domain" -> position: find() is one lookup whose
    // stored key already holds the domain to compare. Rebuilt when set()
    // moves an identity to another MAIL FROM domain (rare).
    name_index by_setting;
  };
  static constexpr std::size_t shard_count = 1024;
  static std::shared_ptr<shard> clone(const shard& s);
  static std::size_t shard_of(std::string_view identity);
  // Both find()s: `key`'s slot in its shard, the stored setting compared with the names.
  std::optional<verification_state> probe(const setting_key& key, std::string_view identity,
                                          std::string_view mail_from_domain) const;

  // Null = empty. A shard shared with another snapshot (use_count > 1) is
  // never changed in place: set() clones it first.
  std::vector<std::shared_ptr<shard>> shards_;
  std::size_t size_ = 0;
};

}  // namespace mfrelay::policy
