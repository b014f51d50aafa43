#include "relay/common/random_bytes.hpp"

#include <openssl/rand.h>

#include <climits>
#include <stdexcept>
#include <vector>

namespace mfrelay::relay {

void fill_random(std::uint8_t* out, std::size_t size) {
  if (size > INT_MAX || RAND_bytes(out, static_cast<int>(size)) != 1)
    throw std::runtime_error("OpenSSL's random generator failed");
}

std::string random_string(std::size_t size) {
  std::string out(size, '\0');
  fill_random(reinterpret_cast<std::uint8_t*>(out.data()), out.size());
  return out;
}

std::string random_hex(std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  fill_random(bytes.data(), bytes.size());
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

}  // namespace mfrelay::relay
