#include "policy/message_id.hpp"

namespace mfrelay::policy {
namespace {
constexpr char hex[] = "0123456789abcdef";
constexpr std::string_view suffix = "-000000";
constexpr std::size_t id_length = 16 + 1 + 36 + suffix.size();
}  // namespace

std::string make_message_id(timestamp now, const std::array<std::uint8_t, 16>& random) {
  std::string id;
  id.reserve(id_length);
  // "0100" then 48 bits of milliseconds since the epoch: ids sort by time.
  auto ms = static_cast<std::uint64_t>(now.time_since_epoch().count()) & 0xffff'ffff'ffffULL;
  id += "0100";
  for (int shift = 44; shift >= 0; shift -= 4) id.push_back(hex[(ms >> shift) & 0xf]);
  id.push_back('-');
  for (std::size_t i = 0; i < random.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(hex[random[i] >> 4]);
    id.push_back(hex[random[i] & 0xf]);
  }
  id += suffix;
  return id;
}

bool is_message_id(std::string_view text) {
  if (text.size() != id_length || !text.ends_with(suffix)) return false;
  for (std::size_t i = 0; i < id_length - suffix.size(); ++i) {
    bool dash = i == 16 || i == 25 || i == 30 || i == 35 || i == 40;
    char c = text[i];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string return_path(std::string_view message_id, std::string_view domain) {
  std::string out;
  out.reserve(message_id.size() + 1 + domain.size());
  out += message_id;
  out += '@';
  out += domain;
  return out;
}

}  // namespace mfrelay::policy
