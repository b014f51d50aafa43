#include "relay/spool/spool_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "relay/common/fd_io.hpp"
#include "relay/spool/envelope_json.hpp"

namespace mfrelay::relay {
namespace {

constexpr std::string_view magic = "mfrelay-spool 1 ";
constexpr std::size_t data_digits = 20;
constexpr std::size_t envelope_digits = 10;
static_assert(magic.size() + data_digits + 1 + envelope_digits + 1 + 64 + 1 == spool_trailer_size);

void append_padded(std::string& out, std::uint64_t value, std::size_t width) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  std::size_t n = static_cast<std::size_t>(end - digits);
  out.append(width - n, '0');
  out.append(digits, n);
}

std::optional<std::uint64_t> parse_digits(std::string_view text) {
  std::uint64_t value = 0;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

spool_file_check damaged(std::string reason) {
  spool_file_check r;
  r.status = spool_file_check::damaged;
  r.reason = std::move(reason);
  return r;
}

spool_file_check unreadable(int error, std::string_view what) {
  spool_file_check r;
  r.status = spool_file_check::unreadable;
  r.error = error;
  r.reason = std::string(what) + ": " + std::strerror(error);
  return r;
}

}  // namespace

std::string format_trailer(const spool_trailer& t) {
  std::string out(magic);
  append_padded(out, t.data_size, data_digits);
  out += ' ';
  append_padded(out, t.envelope_size, envelope_digits);
  out += ' ';
  out += to_hex(t.checksum);
  out += '\n';
  return out;
}

std::optional<spool_trailer> parse_trailer(std::string_view line) {
  if (line.size() != spool_trailer_size || !line.starts_with(magic) || line.back() != '\n') return std::nullopt;
  std::string_view rest = line.substr(magic.size());
  std::string_view data = rest.substr(0, data_digits);
  rest.remove_prefix(data_digits);
  if (rest.front() != ' ') return std::nullopt;
  std::string_view env = rest.substr(1, envelope_digits);
  rest.remove_prefix(1 + envelope_digits);
  if (rest.front() != ' ') return std::nullopt;
  std::string_view hex = rest.substr(1, 64);

  spool_trailer t;
  auto data_size = parse_digits(data);
  auto envelope_size = parse_digits(env);
  if (!data_size || !envelope_size) return std::nullopt;
  t.data_size = *data_size;
  t.envelope_size = *envelope_size;
  for (std::size_t i = 0; i < t.checksum.size(); ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    t.checksum[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return t;
}

spool_file_check check_spool_file(int fd, std::string_view expected_id, std::string* data) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return unreadable(errno, "fstat");
  if (!S_ISREG(st.st_mode)) return damaged("not a regular file");
  auto file_size = static_cast<std::uint64_t>(st.st_size);
  if (file_size < spool_trailer_size) return damaged("truncated: " + std::to_string(file_size) + " bytes, no trailer");

  std::string line(spool_trailer_size, '\0');
  if (int err = read_at(fd, line.data(), line.size(), file_size - spool_trailer_size); err != 0)
    return err < 0 ? damaged("truncated while reading") : unreadable(err, "read trailer");
  auto trailer = parse_trailer(line);
  if (!trailer) return damaged("no valid trailer (truncated or not a spool file)");
  // Compared without adding first: a damaged trailer could make the sum wrap.
  std::uint64_t body = file_size - spool_trailer_size;
  if (trailer->envelope_size > spool_max_envelope_size || trailer->data_size > body ||
      body - trailer->data_size != trailer->envelope_size)
    return damaged("trailer lengths do not match the file size " + std::to_string(file_size));

  sha256 hash;
  std::string chunk(64 * 1024, '\0');
  std::string message;
  if (data) message.reserve(trailer->data_size);
  for (std::uint64_t offset = 0; offset < trailer->data_size;) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), trailer->data_size - offset));
    if (int err = read_at(fd, chunk.data(), n, offset); err != 0)
      return err < 0 ? damaged("truncated while reading") : unreadable(err, "read message");
    std::string_view part(chunk.data(), n);
    hash.update(part);
    if (data) message.append(part);
    offset += n;
  }
  std::string env_text(trailer->envelope_size, '\0');
  if (int err = read_at(fd, env_text.data(), env_text.size(), trailer->data_size); err != 0)
    return err < 0 ? damaged("truncated while reading") : unreadable(err, "read envelope");
  hash.update(env_text);
  if (hash.finish() != trailer->checksum) return damaged("checksum mismatch");

  auto env = envelope_from_json(env_text);
  if (!env) return damaged("envelope is not valid JSON of this version");
  if (env->id != expected_id) return damaged("envelope id " + env->id + " does not match the file name");

  spool_file_check ok;
  ok.status = spool_file_check::valid;
  ok.env = std::move(*env);
  if (data) *data = std::move(message);
  return ok;
}

}  // namespace mfrelay::relay
