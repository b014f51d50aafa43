// The spool file format: writing the trailer, and checking a whole file.
// Any thread, one file per call. Reads files a crash or a disk may have damaged.
//
// One message per file, written front to back:
//   [message bytes][envelope JSON line][trailer line]
// The message streams in first (a 40 MB message never sits in RAM) and the
// envelope is known only at the end of DATA, so both envelope and trailer go
// last. The trailer has a fixed size, so a reader finds it from the file size:
//   "mfrelay-spool 1 <data bytes, 20 digits> <envelope bytes, 10 digits> <sha256 hex>\n"
// with SHA-256 over message + envelope. A file is valid only when the magic,
// version, lengths (they must add up to the file size), checksum and envelope
// (it parses and names this file) all check out; anything else is damage.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "relay/spool/envelope.hpp"
#include "relay/common/sha256.hpp"

namespace mfrelay::relay {

inline constexpr std::size_t spool_trailer_size = 113;
// Far above any real envelope (recipients and metadata); a bound on what a damaged trailer can make us allocate.
inline constexpr std::uint64_t spool_max_envelope_size = 16 * 1024 * 1024;

struct spool_trailer {
  std::uint64_t data_size = 0;
  std::uint64_t envelope_size = 0;
  sha256::digest checksum{};
};

std::string format_trailer(const spool_trailer& t);
// nullopt unless `line` is exactly a trailer this version writes.
std::optional<spool_trailer> parse_trailer(std::string_view line);

struct spool_file_check {
  enum status { valid, damaged, unreadable } status = damaged;
  std::string reason;  // damaged or unreadable: why, for the log
  int error = 0;       // unreadable: the errno of the failed read
  envelope env;        // valid: the envelope
};

// Reads and checks a whole spool file (read position is not used: pread). When
// `data` is given and the file is valid, it receives the message bytes.
spool_file_check check_spool_file(int fd, std::string_view expected_id, std::string* data);

}  // namespace mfrelay::relay
