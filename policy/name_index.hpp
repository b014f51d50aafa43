// A flat hash index from names to positions in a caller's vector, for the
// lookups every message makes (identity_table, state_snapshot). It keeps its
// own copy of the names in one buffer, so a lookup reads one slot and one
// name, both addressed by the slot, and allocates nothing. Pure; the owner
// builds it once and then shares it as const across threads.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mfrelay::policy {

class name_index {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // The position recorded for `name`, or npos.
  std::size_t find(std::string_view name) const { return find(name, [](std::size_t) {}); }

  // The same; `prefetch(position)` is called for a likely hit before its
  // name is compared, so the owner can ask for its own record at that
  // position while the name is read (the two cache misses then overlap).
  template <typename Prefetch>
  std::size_t find(std::string_view name, Prefetch prefetch) const {
    return find_hashed(hash_of(name), [name](std::string_view stored) { return stored == name; }, prefetch);
  }

  // The same for a name whose hash_of() the caller computed ahead: `equal(stored)`
  // says whether a stored name with that hash is the one sought (so the caller
  // need not compose it, and the probe need not wait for its bytes).
  template <typename Equal, typename Prefetch>
  std::size_t find_hashed(std::uint64_t h, Equal equal, Prefetch prefetch) const {
    if (slots_.empty()) return npos;
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.position == 0) return npos;
      if (s.hash == h) {
        prefetch(s.position - 1);
        if (equal(name_at(s.name))) return s.position - 1;
      }
    }
  }
  static std::uint64_t hash_of(std::string_view name);

  // find() for each of `names` into `positions` (as many). The lookups do not
  // depend on one another, so their cache misses overlap: an address and all
  // its parent domains cost about one miss, not one each. `prefetch` as for find().
  template <typename Prefetch>
  void find_each(std::span<const std::string_view> names, std::span<std::size_t> positions, Prefetch prefetch) const;

  // Records `name` at `position`; the caller has checked with find() that it
  // is not there yet.
  void insert(std::string_view name, std::size_t position);

  // A copy with room for `more` further names as long as the average one: a
  // plain copy has no spare capacity, so a copy-on-write clone taking one more
  // name would double its buffer at once.
  name_index with_room(std::size_t more) const;

  // Calls `f(name, position)` for every recorded name, in no particular order.
  template <typename F>
  void for_each(F f) const {
    for (const slot& s : slots_) {
      if (s.position != 0) f(name_at(s.name), static_cast<std::size_t>(s.position - 1));
    }
  }

 private:
  struct slot {
    std::uint64_t hash = 0;
    std::uint32_t position = 0;  // position + 1; 0 = empty
    std::uint32_t name = 0;      // offset in names_: a 2-octet length, then the name
  };
  void place(const slot& s);
  std::string_view name_at(std::uint32_t offset) const {
    const auto* p = reinterpret_cast<const unsigned char*>(names_.data() + offset);
    return {names_.data() + offset + 2, static_cast<std::size_t>(p[0] | (p[1] << 8))};
  }

  std::vector<slot> slots_;  // a power of two, at most half full (linear probing)
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::string names_;
};

template <typename Prefetch>
void name_index::find_each(std::span<const std::string_view> names, std::span<std::size_t> positions,
                           Prefetch prefetch) const {
  // Three passes, so that the cache misses of the names overlap instead of
  // following one another: hash all and ask for their first slots; probe all
  // and ask for the stored name (and the owner's record) of each hit; then
  // compare the names. (__builtin_prefetch is a compiler hint, no library, no I/O.)
  constexpr std::size_t most = 16;
  std::uint64_t hashes[most];
  const slot* hits[most];
  const std::size_t batched = names.size() < most ? names.size() : most;
  if (slots_.empty()) {
    for (auto& p : positions) p = npos;
    return;
  }
  for (std::size_t i = 0; i < batched; ++i) {
    hashes[i] = hash_of(names[i]);
    __builtin_prefetch(&slots_[hashes[i] & mask_]);
  }
  for (std::size_t i = 0; i < batched; ++i) {
    hits[i] = nullptr;
    for (std::size_t at = hashes[i] & mask_;; at = (at + 1) & mask_) {
      const slot& s = slots_[at];
      if (s.position == 0) break;
      if (s.hash == hashes[i]) {
        hits[i] = &s;
        __builtin_prefetch(names_.data() + s.name);
        prefetch(s.position - 1);
        break;
      }
    }
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i >= batched || (hits[i] && name_at(hits[i]->name) != names[i]))
      positions[i] = find(names[i]);  // past the batch, or a 64-bit hash collision: probe on, comparing names
    else
      positions[i] = hits[i] ? hits[i]->position - 1 : npos;
  }
}

}  // namespace mfrelay::policy
