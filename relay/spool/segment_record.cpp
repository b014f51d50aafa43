#include "relay/spool/segment_record.hpp"

#include <cstring>

#include "policy/message_id.hpp"

namespace mfrelay::relay {
namespace {

constexpr std::string_view magic = "MFSG";

void put_u64(char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_u32(char* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint64_t get_u64(const char* in) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}
std::uint32_t get_u32(const char* in) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

std::uint32_t header_check(const char* header) {
  sha256 h;
  h.update(std::string_view(header, 28));
  auto d = h.finish();
  return static_cast<std::uint32_t>(d[0]) | static_cast<std::uint32_t>(d[1]) << 8 |
         static_cast<std::uint32_t>(d[2]) << 16 | static_cast<std::uint32_t>(d[3]) << 24;
}

}  // namespace

record_header_bytes encode_record_header(const record_header& h) {
  record_header_bytes out{};
  std::memcpy(out.data(), magic.data(), magic.size());
  out[4] = static_cast<char>(h.kind);
  put_u64(out.data() + 8, h.segment);
  put_u64(out.data() + 16, h.data_size);
  put_u32(out.data() + 24, h.aux_size);
  put_u32(out.data() + 28, header_check(out.data()));
  return out;
}

header_status parse_record_header(std::string_view bytes, record_header& out) {
  if (bytes.size() != record_header_size) return header_status::invalid;
  bool zero = true;
  for (char c : bytes) zero = zero && c == 0;
  if (zero) return header_status::zero;
  if (!bytes.starts_with(magic)) return header_status::invalid;
  char kind = bytes[4];
  if (kind != static_cast<char>(record_kind::message) && kind != static_cast<char>(record_kind::done))
    return header_status::invalid;
  if (bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0) return header_status::invalid;
  if (get_u32(bytes.data() + 28) != header_check(bytes.data())) return header_status::invalid;
  record_header h;
  h.kind = static_cast<record_kind>(kind);
  h.segment = get_u64(bytes.data() + 8);
  h.data_size = get_u64(bytes.data() + 16);
  h.aux_size = get_u32(bytes.data() + 24);
  if (h.data_size > record_max_data_size || h.aux_size > record_max_aux_size) return header_status::invalid;
  if (h.kind == record_kind::done && h.data_size != 0) return header_status::invalid;
  out = h;
  return header_status::valid;
}

sha256::digest finish_record_checksum(sha256&& data_hash, std::string_view aux, const record_header_bytes& header) {
  sha256 h = std::move(data_hash);
  h.update(aux);
  h.update(std::string_view(header.data(), header.size()));
  return h.finish();
}

std::string encode_done_record(std::uint64_t segment, std::string_view id) {
  record_header h;
  h.kind = record_kind::done;
  h.segment = segment;
  h.aux_size = static_cast<std::uint32_t>(id.size());
  auto header = encode_record_header(h);
  auto sum = finish_record_checksum(sha256(), id, header);
  std::string out(header.data(), header.size());
  out += id;
  out.append(reinterpret_cast<const char*>(sum.data()), sum.size());
  return out;
}

std::uint64_t done_record_size() {
  return record_header_size + policy::make_message_id(policy::timestamp{}, {}).size() + record_checksum_size;
}

}  // namespace mfrelay::relay
