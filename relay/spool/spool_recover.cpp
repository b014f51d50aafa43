// The spool's reading side: startup recovery (scanning every segment, importing
// the previous one-file-per-message layout), reading a message back for
// delivery, and quarantine of damaged records. The writing side is in spool.cpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "policy/message_id.hpp"
#include "relay/spool/envelope_json.hpp"
#include "relay/spool/spool.hpp"
#include "relay/spool/spool_file.hpp"
#include "relay/common/fd_io.hpp"
#include "relay/spool/spool_parts.hpp"

namespace mfrelay::relay {
namespace {

constexpr std::size_t chunk_size = 1024 * 1024;

std::string printable(std::string_view name) {
  std::string out(name);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return out;
}

// The offset just past the last non-zero byte in [from, size), or `from` if none.
std::uint64_t end_of_nonzero(int fd, std::uint64_t from, std::uint64_t size) {
  std::string chunk(chunk_size, '\0');
  std::uint64_t last = from;
  for (std::uint64_t at = from; at < size;) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - at));
    if (read_at(fd, chunk.data(), n, at) != 0) return size;  // unreadable: assume something is there
    for (std::size_t i = n; i > 0; --i)
      if (chunk[i - 1] != 0) {
        last = at + i;
        break;
      }
    at += n;
  }
  return last;
}

struct record_read {
  enum status { valid, damaged, truncated, unreadable } status = damaged;
  std::string reason;
  int error = 0;
  std::string data;  // when asked for
  std::string aux;
};

// Reads the record whose valid header `h` starts at `offset` and checks its checksum.
record_read read_record(int fd, std::uint64_t offset, const record_header& h, bool want_data) {
  record_read r;
  record_header_bytes header = encode_record_header(h);
  sha256 hash;
  std::string chunk(chunk_size, '\0');
  if (want_data) r.data.reserve(h.data_size);
  std::uint64_t at = offset + record_header_size;
  for (std::uint64_t left = h.data_size; left > 0;) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), left));
    if (int err = read_at(fd, chunk.data(), n, at); err != 0) {
      r.status = err < 0 ? record_read::truncated : record_read::unreadable;
      r.error = err;
      r.reason = err < 0 ? "cut short" : std::string("read: ") + std::strerror(err);
      return r;
    }
    hash.update({chunk.data(), n});
    if (want_data) r.data.append(chunk.data(), n);
    at += n;
    left -= n;
  }
  r.aux.assign(h.aux_size, '\0');
  sha256::digest stored{};
  int err = read_at(fd, r.aux.data(), r.aux.size(), at);
  if (err == 0) err = read_at(fd, reinterpret_cast<char*>(stored.data()), stored.size(), at + h.aux_size);
  if (err != 0) {
    r.status = err < 0 ? record_read::truncated : record_read::unreadable;
    r.error = err;
    r.reason = err < 0 ? "cut short" : std::string("read: ") + std::strerror(err);
    return r;
  }
  if (finish_record_checksum(std::move(hash), r.aux, header) != stored) {
    r.status = record_read::damaged;
    r.reason = "checksum mismatch";
    return r;
  }
  r.status = record_read::valid;
  return r;
}

}  // namespace

std::vector<envelope> spool::recover() {
  std::vector<std::uint64_t> numbers;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory_ / "segments", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    unsigned long long n = 0;
    char suffix[16] = {};
    bool ours = name.size() >= 17 && std::sscanf(name.c_str(), "%16llx.%15s", &n, suffix) == 2 &&
                segment_name(n, "").size() == 16 && name.substr(0, 16) == segment_name(n, "");
    if (ours && std::strcmp(suffix, "spill") == 0) {
      // A big message that was still streaming in: never acknowledged.
      if (::unlinkat(segments_dir_.get(), name.c_str(), 0) != 0)
        spdlog::warn("spool: cannot remove unfinished {}: {}", printable(name), std::strerror(errno));
    } else if (ours && std::strcmp(suffix, "seg") == 0) {
      numbers.push_back(n);
    } else {
      spdlog::warn("spool: ignoring {} in {}: not a segment", printable(name), (directory_ / "segments").string());
    }
    if (ours && n + 1 > next_number_) next_number_ = n + 1;
  }
  if (ec) throw spool_error_from_errno(ec.value(), "list " + (directory_ / "segments").string());
  std::sort(numbers.begin(), numbers.end());

  {
    std::lock_guard lock(mutex_);
    queued_.clear();
  }
  std::vector<envelope> good;
  for (auto n : numbers) scan_segment(n, good);
  import_legacy_queue(good);
  std::sort(good.begin(), good.end(), [](const envelope& a, const envelope& b) {
    return a.received_at != b.received_at ? a.received_at < b.received_at : a.id < b.id;
  });
  return good;
}

void spool::scan_segment(std::uint64_t number, std::vector<envelope>& good) {
  std::string name = segment_name(number, ".seg");
  auto path = path_of("segments", name);
  int fd = ::openat(segments_dir_.get(), name.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) throw spool_error_from_errno(errno, "open " + path.string());
    spdlog::error("spool: cannot open {}: {}; skipped (tried again at the next start)", path.string(),
                  std::strerror(errno));
    return;
  }
  auto seg = std::make_shared<segment>();
  seg->number = number;
  seg->fd = unique_fd(fd);
  seg->path = path;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    spdlog::error("spool: {} is not a regular file; skipped", path.string());
    return;
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);

  struct found {
    location loc;
    envelope env;
  };
  std::map<std::string, found, std::less<>> messages;
  std::uint64_t message_records = 0;
  std::uint64_t offset = 0;
  auto torn_tail = [&](const std::string& why) {
    std::uint64_t end = end_of_nonzero(seg->fd.get(), offset, size);
    if (end > offset)
      spdlog::warn("spool: {}: {} bytes at offset {} end the segment unfinished ({}): never acknowledged, dropped",
                   path.string(), end - offset, offset, why);
  };
  while (offset + record_header_size <= size) {
    char raw[record_header_size];
    if (int err = read_at(fd, raw, sizeof raw, offset); err != 0) {
      if (err > 0) spdlog::error("spool: {}: read at {}: {}", path.string(), offset, std::strerror(err));
      break;
    }
    record_header h;
    header_status hs = parse_record_header({raw, sizeof raw}, h);
    if (hs == header_status::zero) break;
    if (hs == header_status::valid && h.segment != number) hs = header_status::invalid;
    if (hs == header_status::invalid) {
      std::uint64_t end = end_of_nonzero(fd, offset + record_header_size, size);
      if (end == offset + record_header_size) {
        torn_tail("a torn record header");
      } else {
        // Something was written after a header we cannot read: damage, not a torn write.
        quarantine_bytes(number, offset, fd, end - offset, "unreadable record header; the rest of the segment");
      }
      break;
    }
    if (offset + h.record_size() > size) {
      torn_tail("a record cut short");
      break;
    }
    record_read r = read_record(fd, offset, h, false);
    std::optional<envelope> env;
    std::string bad = r.status == record_read::valid ? std::string() : r.reason;  // never empty when not valid
    if (r.status == record_read::valid && h.kind == record_kind::message) {
      env = envelope_from_json(r.aux);
      if (!env) bad = "envelope is not valid JSON of this version";
      else if (!policy::is_message_id(env->id)) bad = "envelope id is not a message id";
    } else if (r.status == record_read::valid && !policy::is_message_id(r.aux)) {
      bad = "done record without a message id";
    }
    if (!bad.empty()) {
      std::uint64_t next = offset + h.record_size();
      char after[record_header_size] = {};
      bool more = next + record_header_size <= size && read_at(fd, after, sizeof after, next) == 0 &&
                  std::any_of(after, after + sizeof after, [](char c) { return c != 0; });
      if (!more) {
        torn_tail(bad);
        break;
      }
      quarantine_bytes(number, offset, fd, h.record_size(), bad);
      offset = next;
      continue;
    }
    if (h.kind == record_kind::message) {
      ++message_records;
      found f;
      f.loc.seg = seg;
      f.loc.offset = offset;
      f.loc.header = h;
      f.loc.received_at = env->received_at;
      f.env = std::move(*env);
      std::string id = f.env.id;
      messages.insert_or_assign(std::move(id), std::move(f));
    } else {
      messages.erase(r.aux);
    }
    offset += h.record_size();
  }
  seg->end = offset;
  seg->messages = message_records;
  if (messages.empty()) {
    // Everything in it is done (or it holds nothing whole): it goes now.
    seg->retired = true;
    if (::unlinkat(segments_dir_.get(), name.c_str(), 0) != 0)
      spdlog::warn("spool: cannot remove finished {}: {}", path.string(), std::strerror(errno));
    return;
  }
  std::lock_guard lock(mutex_);
  for (auto& [id, f] : messages) {
    if (queued_.contains(id)) {
      spdlog::warn("spool: {} appears in more than one segment; the first one found is kept", id);
      continue;
    }
    ++seg->live;
    queued_.emplace(id, f.loc);
    good.push_back(std::move(f.env));
  }
}

void spool::quarantine_bytes(std::uint64_t number, std::uint64_t offset, int fd, std::uint64_t size,
                             const std::string& reason) {
  char name[48];
  std::snprintf(name, sizeof name, "%016llx-%016llx", static_cast<unsigned long long>(number),
                static_cast<unsigned long long>(offset));
  int out = ::openat(quarantine_dir_.get(), name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (out < 0) {
    if (errno == EEXIST) return;  // copied out at an earlier start: nothing new
    spdlog::error("spool: cannot quarantine {} bytes of segment {:016x} at {} ({}): {}", size, number, offset, reason,
                  std::strerror(errno));
    return;
  }
  unique_fd file(out);
  std::string chunk(chunk_size, '\0');
  for (std::uint64_t at = 0; at < size;) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - at));
    if (read_at(fd, chunk.data(), n, offset + at) != 0) break;  // keep what could be read
    std::string_view part(chunk.data(), n);
    bool failed = false;
    while (!part.empty()) {
      ssize_t w = ::write(out, part.data(), part.size());
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        failed = true;
        break;
      }
      part.remove_prefix(static_cast<std::size_t>(w));
    }
    if (failed) break;
    at += n;
  }
  ::fsync(out);
  ::fsync(quarantine_dir_.get());
  quarantined_.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("spool: quarantined {} bytes of segment {:016x} at offset {} as {}: {}", size, number, offset,
               (directory_ / "quarantine" / name).string(), reason);
}

std::optional<std::string> spool::read_data(const std::string& id) {
  if (!policy::is_message_id(id)) throw std::invalid_argument("spool::read_data: not a message id");
  location loc;
  {
    std::lock_guard lock(mutex_);
    if (auto c = cache_.find(id); c != cache_.end()) {
      std::string data = std::move(c->second);
      cached_bytes_ -= data.size();
      cache_.erase(c);
      return data;
    }
    auto it = queued_.find(id);
    if (it == queued_.end()) return std::nullopt;
    loc = it->second;
  }
  int fd = loc.seg->fd.get();
  char raw[record_header_size];
  std::string reason;
  if (int err = read_at(fd, raw, sizeof raw, loc.offset); err != 0) {
    reason = err < 0 ? "cut short" : std::string("read: ") + std::strerror(err);
    if (err == ENOMEM) throw spool_error_from_errno(err, "read " + loc.seg->path.string());
  } else {
    record_header h;
    if (parse_record_header({raw, sizeof raw}, h) != header_status::valid || h.segment != loc.header.segment ||
        h.data_size != loc.header.data_size || h.aux_size != loc.header.aux_size || h.kind != record_kind::message) {
      reason = "record header changed on disk";
    } else {
      record_read r = read_record(fd, loc.offset, h, true);
      if (r.status == record_read::valid) return std::move(r.data);
      if (r.status == record_read::unreadable && r.error == ENOMEM)
        throw spool_error_from_errno(r.error, "read " + loc.seg->path.string());
      reason = r.reason;
    }
  }
  // Damaged since it was written: copied out, and closed with a done record so
  // that neither this run nor the next one trips over it again.
  quarantine_bytes(loc.seg->number, loc.offset, fd, loc.header.record_size(), reason + " (message " + id + ")");
  remove_soon(id);
  return std::nullopt;
}

// The previous layout: queue/<id>, one checked file per message (spool_file.hpp).
// Each valid one is written into a segment like a new commit, made durable, and
// only then unlinked; damaged ones move to quarantine/ whole, as they used to.
void spool::import_legacy_queue(std::vector<envelope>& good) {
  auto queue = directory_ / "queue";
  auto incoming = directory_ / "incoming";
  std::error_code ec;
  for (std::filesystem::directory_iterator it(incoming, ec), end; !ec && it != end; it.increment(ec))
    std::filesystem::remove(it->path(), ec);
  std::filesystem::remove(incoming, ec);
  if (!std::filesystem::is_directory(queue, ec)) return;
  std::size_t imported = 0;
  for (std::filesystem::directory_iterator it(queue, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    std::string data;
    spool_file_check check;
    if (fd >= 0) {
      unique_fd file(fd);
      check = check_spool_file(fd, name, &data);
    } else {
      check.reason = std::string("open: ") + std::strerror(errno);
    }
    if (check.status != spool_file_check::valid || !policy::is_message_id(name)) {
      std::error_code rec;
      std::filesystem::rename(it->path(), directory_ / "quarantine" / name, rec);
      quarantined_.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("spool: quarantined {} from the previous layout: {}", printable(name), check.reason);
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      if (queued_.contains(name)) {  // imported before a crash, not yet unlinked
        std::filesystem::remove(it->path(), ec);
        continue;
      }
    }
    auto t = std::make_shared<ticket>();
    t->id = name;
    t->header.kind = record_kind::message;
    t->header.data_size = data.size();
    t->aux = envelope_to_json(check.env);
    t->header.aux_size = static_cast<std::uint32_t>(t->aux.size());
    t->hash.update(data);
    t->data = std::move(data);
    t->received_at = check.env.received_at;
    std::vector<ticket_ptr> batch{t};
    std::vector<done_item> none;
    flush(batch, none);
    if (t->error != 0) {
      spdlog::error("spool: cannot import {} from the previous layout: {}: {}; kept, tried again at the next start",
                    name, t->error_what, std::strerror(t->error));
      continue;
    }
    succeed(*t);
    good.push_back(std::move(check.env));
    std::filesystem::remove(it->path(), ec);
    ++imported;
  }
  if (imported > 0) spdlog::info("spool: imported {} messages from the previous layout ({})", imported, queue.string());
  std::filesystem::remove(queue, ec);  // only when empty
}

}  // namespace mfrelay::relay
