#include "policy/name_index.hpp"

#include <functional>
#include <stdexcept>

namespace mfrelay::policy {
std::uint64_t name_index::hash_of(std::string_view name) { return std::hash<std::string_view>{}(name); }

void name_index::place(const slot& s) {
  std::size_t i = s.hash & mask_;
  while (slots_[i].position != 0) i = (i + 1) & mask_;
  slots_[i] = s;
}

name_index name_index::with_room(std::size_t more) const {
  name_index copy;
  copy.slots_ = slots_;
  copy.mask_ = mask_;
  copy.size_ = size_;
  const std::size_t average = size_ == 0 ? 0 : names_.size() / size_ + 1;
  copy.names_.reserve(names_.size() + more * average);
  copy.names_.append(names_);
  return copy;
}

void name_index::insert(std::string_view name, std::size_t position) {
  // Names are identity names (at most 320 octets); the limits are far above any configuration.
  if (name.size() > 0xffff || position >= UINT32_MAX || names_.size() + name.size() + 2 > UINT32_MAX)
    throw std::length_error("name_index: too many or too long names");
  if ((size_ + 1) * 2 > slots_.size()) {
    std::vector<slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, slot{});
    mask_ = slots_.size() - 1;
    for (const slot& s : old) {
      if (s.position != 0) place(s);
    }
  }
  const auto offset = static_cast<std::uint32_t>(names_.size());
  names_.push_back(static_cast<char>(name.size() & 0xff));
  names_.push_back(static_cast<char>(name.size() >> 8));
  names_.append(name);
  place({hash_of(name), static_cast<std::uint32_t>(position + 1), offset});
  ++size_;
}

}  // namespace mfrelay::policy
