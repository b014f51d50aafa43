#include "relay/common/message_ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "policy/message_id.hpp"
#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

template <std::size_t N>
std::array<std::uint8_t, N> random_bytes() {
  std::array<std::uint8_t, N> out{};
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return out;
}

}  // namespace

std::string new_message_id() { return policy::make_message_id(now(), random_bytes<16>()); }

std::string new_session_id() {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (auto b : random_bytes<8>()) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

}  // namespace mfrelay::relay
