// Random bytes from OpenSSL's generator for ids, tokens and secrets (message
// and session ids, admin request ids, console session tokens, DKIM selector
// tokens). Throws std::runtime_error when the generator fails. Any thread.
// Requests of up to 64 bytes are served from a per-thread block drawn in one
// call: OpenSSL's per-call cost is many times that of the bytes.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace mfrelay::relay {

void fill_random(std::uint8_t* out, std::size_t size);

template <std::size_t N>
std::array<std::uint8_t, N> random_bytes() {
  std::array<std::uint8_t, N> out{};
  fill_random(out.data(), out.size());
  return out;
}

// `size` random bytes in a string (salts, keys, secrets).
std::string random_string(std::size_t size);

// `size` random bytes as 2 * size lower-case hex digits.
std::string random_hex(std::size_t size);

}  // namespace mfrelay::relay
