// The record format of the spool's segment files (docs/spool.md): encoding a
// record's header and checksum, and checking what was read back. Pure functions,
// any thread. Reads bytes a crash, a disk or a client's message may have shaped.
//
//   [32-byte header][data][aux][32-byte SHA-256 over data, aux, header]
//   header: "MFSG" kind 0 0 0 segment:u64 data_size:u64 aux_size:u32 check:u32
// (little endian; check = the first 4 bytes of SHA-256 of header bytes 0..27).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "relay/common/sha256.hpp"

namespace mfrelay::relay {

inline constexpr std::size_t record_header_size = 32;
inline constexpr std::size_t record_checksum_size = 32;
// Bounds a damaged header cannot make us exceed (data: far above max_message_bytes;
// aux: envelope JSON or an id, far above any real envelope).
inline constexpr std::uint64_t record_max_data_size = std::uint64_t{1} << 34;
inline constexpr std::uint32_t record_max_aux_size = 16 * 1024 * 1024;

enum class record_kind : char { message = 'M', done = 'D' };

struct record_header {
  record_kind kind = record_kind::message;
  std::uint64_t segment = 0;    // the number of the segment file it belongs in
  std::uint64_t data_size = 0;  // message bytes ('M'); 0 for 'D'
  std::uint32_t aux_size = 0;   // envelope JSON ('M') or the message id ('D')

  std::uint64_t record_size() const { return record_header_size + data_size + aux_size + record_checksum_size; }
};

using record_header_bytes = std::array<char, record_header_size>;

record_header_bytes encode_record_header(const record_header& h);

enum class header_status {
  zero,     // 32 zero bytes: the end of what was written
  valid,    // magic, kind, padding, bounds and check all hold
  invalid,  // anything else
};
header_status parse_record_header(std::string_view bytes, record_header& out);

// The checksum of a record whose data was hashed (as it streamed) into `data_hash`.
sha256::digest finish_record_checksum(sha256&& data_hash, std::string_view aux, const record_header_bytes& header);

// A whole done record for message `id` in segment `segment`.
std::string encode_done_record(std::uint64_t segment, std::string_view id);

// The room a done record for one message takes (message ids have a fixed length).
std::uint64_t done_record_size();

}  // namespace mfrelay::relay
