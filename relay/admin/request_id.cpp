#include "relay/admin/request_id.hpp"

#include "relay/common/random_bytes.hpp"

namespace mfrelay::relay {

std::string new_request_id() {
  auto bytes = random_bytes<16>();
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char digits[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(digits[bytes[i] >> 4]);
    id.push_back(digits[bytes[i] & 0xF]);
  }
  return id;
}

}  // namespace mfrelay::relay
