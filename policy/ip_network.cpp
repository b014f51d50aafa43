#include "policy/ip_network.hpp"

#include <charconv>
#include <vector>

namespace mfrelay::policy {
namespace {

std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text) {
  std::array<std::uint8_t, 4> out{};
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (text.empty() || text.front() != '.') return std::nullopt;
      text.remove_prefix(1);
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    std::size_t used = static_cast<std::size_t>(end - text.data());
    if (ec != std::errc{} || used == 0 || used > 3 || value > 255 || (used > 1 && text.front() == '0'))
      return std::nullopt;
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value);
    text.remove_prefix(used);
  }
  if (!text.empty()) return std::nullopt;
  return out;
}

std::optional<ip_address> parse_ipv6(std::string_view text) {
  // Groups before and after "::"; an embedded IPv4 tail counts as two groups.
  std::vector<std::uint16_t> head, tail;
  bool compressed = false;
  auto* groups = &head;
  if (text.starts_with("::")) {
    compressed = true;
    groups = &tail;
    text.remove_prefix(2);
  }
  while (!text.empty()) {
    std::size_t colon = text.find(':');
    std::string_view piece = text.substr(0, colon);
    if (piece.find('.') != std::string_view::npos && colon == std::string_view::npos) {
      auto v4 = parse_ipv4(piece);
      if (!v4) return std::nullopt;
      groups->push_back(static_cast<std::uint16_t>(((*v4)[0] << 8) | (*v4)[1]));
      groups->push_back(static_cast<std::uint16_t>(((*v4)[2] << 8) | (*v4)[3]));
      text = {};
      break;
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), value, 16);
    if (ec != std::errc{} || piece.empty() || piece.size() > 4 || end != piece.data() + piece.size())
      return std::nullopt;
    groups->push_back(static_cast<std::uint16_t>(value));
    if (colon == std::string_view::npos) {
      text = {};
      break;
    }
    text.remove_prefix(colon + 1);
    if (text.starts_with(":")) {
      if (compressed) return std::nullopt;
      compressed = true;
      groups = &tail;
      text.remove_prefix(1);
    } else if (text.empty()) {
      return std::nullopt;  // trailing single ':'
    }
  }
  std::size_t total = head.size() + tail.size();
  if (compressed ? total > 7 : total != 8) return std::nullopt;
  ip_address out;
  std::size_t i = 0;
  for (auto g : head) {
    out.octets[i++] = static_cast<std::uint8_t>(g >> 8);
    out.octets[i++] = static_cast<std::uint8_t>(g & 0xff);
  }
  i = 16 - tail.size() * 2;
  for (auto g : tail) {
    out.octets[i++] = static_cast<std::uint8_t>(g >> 8);
    out.octets[i++] = static_cast<std::uint8_t>(g & 0xff);
  }
  return out;
}

}  // namespace

ip_address ipv4_address(std::array<std::uint8_t, 4> octets) {
  ip_address out;
  out.octets[10] = 0xff;
  out.octets[11] = 0xff;
  for (std::size_t i = 0; i < 4; ++i) out.octets[12 + i] = octets[i];
  return out;
}

std::optional<ip_address> parse_ip_address(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return parse_ipv6(text);
  if (auto v4 = parse_ipv4(text)) return ipv4_address(*v4);
  return std::nullopt;
}

bool ip_network::contains(const ip_address& address) const {
  unsigned bits = prefix;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i) {
    unsigned take = bits >= 8 ? 8 : bits;
    auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
    if ((address.octets[i] & mask) != (base.octets[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

std::optional<ip_network> parse_ip_network(std::string_view text) {
  std::string_view host = text;
  std::optional<unsigned> length;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    host = text.substr(0, slash);
    std::string_view digits = text.substr(slash + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || digits.empty() || end != digits.data() + digits.size()) return std::nullopt;
    length = value;
  }
  bool v6 = host.find(':') != std::string_view::npos;
  auto address = parse_ip_address(host);
  if (!address) return std::nullopt;
  unsigned max = v6 ? 128 : 32;
  unsigned prefix = length.value_or(max);
  if (prefix > max) return std::nullopt;
  if (!v6) prefix += 96;
  ip_network net{*address, prefix, std::string(text)};
  // Host bits below the prefix must be zero: "10.0.0.1/8" is a typo, not a network.
  for (unsigned bit = prefix; bit < 128; ++bit) {
    if (address->octets[bit / 8] & (0x80 >> (bit % 8))) return std::nullopt;
  }
  return net;
}

}  // namespace mfrelay::policy
