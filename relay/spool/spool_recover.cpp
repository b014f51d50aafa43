// The spool's reading side: startup recovery, reading a message for delivery,
// and quarantine of damaged files. The writing side is in spool.cpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "policy/message_id.hpp"
#include "relay/spool/spool.hpp"

namespace mfrelay::relay {
namespace {

// File names in the spool come from disk, not from us alone: keep logs one line.
std::string printable(std::string_view name) {
  std::string out(name);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return out;
}

std::vector<std::filesystem::directory_entry> list(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::directory_entry> entries;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
  if (ec) throw spool_error_from_errno(ec.value(), "list " + dir.string());
  return entries;
}

bool is_regular_file(const std::filesystem::directory_entry& entry) {
  std::error_code ec;
  return entry.symlink_status(ec).type() == std::filesystem::file_type::regular;
}

void sync_best_effort(int dir_fd, const std::filesystem::path& path) {
  if (::fsync(dir_fd) != 0) spdlog::warn("spool: fsync {}: {}", path.string(), std::strerror(errno));
}

}  // namespace

std::vector<envelope> spool::recover() {
  // incoming/: nothing there was ever acknowledged.
  for (const auto& entry : list(directory_ / "incoming")) {
    std::string name = entry.path().filename().string();
    if (!is_regular_file(entry)) {
      quarantine(incoming_dir_.get(), name, "not a regular file in incoming/");
    } else if (::unlinkat(incoming_dir_.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
      spdlog::warn("spool: cannot remove unfinished {}: {}", printable(name), std::strerror(errno));
    }
  }

  std::vector<envelope> good;
  for (const auto& entry : list(directory_ / "queue")) {
    std::string name = entry.path().filename().string();
    if (!policy::is_message_id(name)) {
      quarantine(queue_dir_.get(), name, "not a message id");
      continue;
    }
    auto check = check_queued(name, nullptr);
    if (!check) continue;
    if (check->status == spool_file_check::valid)
      good.push_back(std::move(check->env));
    else
      quarantine(queue_dir_.get(), name, check->reason);
  }
  std::sort(good.begin(), good.end(), [](const envelope& a, const envelope& b) {
    return a.received_at != b.received_at ? a.received_at < b.received_at : a.id < b.id;
  });

  // Moves into quarantine/ need not survive a crash (the file would only be
  // found damaged again), but there is no reason to let them go either.
  sync_best_effort(queue_dir_.get(), directory_ / "queue");
  sync_best_effort(quarantine_dir_.get(), directory_ / "quarantine");

  std::lock_guard lock(mutex_);
  queued_.clear();
  for (const auto& e : good) queued_.insert_or_assign(e.id, e.received_at);
  return good;
}

std::optional<std::string> spool::read_data(const std::string& id) {
  if (!policy::is_message_id(id)) throw std::invalid_argument("spool::read_data: not a message id");
  std::string data;
  auto check = check_queued(id, &data);
  if (!check) return std::nullopt;
  if (check->status == spool_file_check::valid) return data;
  quarantine(queue_dir_.get(), id, check->reason);
  return std::nullopt;
}

std::optional<spool_file_check> spool::check_queued(const std::string& name, std::string* data) const {
  // O_NONBLOCK: a FIFO someone left in queue/ must not hang the open.
  int fd = ::openat(queue_dir_.get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return std::nullopt;
    // Out of descriptors or memory says nothing about the file: not damage.
    if (err == EMFILE || err == ENFILE || err == ENOMEM)
      throw spool_error_from_errno(err, "open " + path_of("queue", name).string());
    spool_file_check r;
    r.status = spool_file_check::unreadable;
    r.error = err;
    r.reason = err == ELOOP ? "a symbolic link" : std::string("open: ") + std::strerror(err);
    return r;
  }
  unique_fd file(fd);
  return check_spool_file(file.get(), name, data);
}

// A file that cannot be read back (damaged, or an I/O error on read) can
// never be delivered; leaving it in queue/ would only make every start and
// every delivery attempt trip over it again. So it moves aside, whole, for an
// operator to look at; nothing is deleted.
void spool::quarantine(int from_dir, const std::string& name, const std::string& reason) {
  for (int n = 0; n < 1000; ++n) {
    std::string target = n == 0 ? name : name + "." + std::to_string(n);
    int err = rename_no_replace(from_dir, name, quarantine_dir_.get(), target);
    if (err == EEXIST || err == ENOTEMPTY) continue;
    if (err != 0) {
      // Left in place: skipped now, tried again at the next start.
      spdlog::error("spool: cannot quarantine {} ({}): {}", printable(name), reason, std::strerror(err));
      return;
    }
    quarantined_.fetch_add(1, std::memory_order_relaxed);
    std::string moved_to = (directory_ / "quarantine" / printable(target)).string();
    spdlog::warn("spool: quarantined {} as {}: {}", printable(name), moved_to, reason);
    std::lock_guard lock(mutex_);
    queued_.erase(name);
    return;
  }
  spdlog::error("spool: cannot quarantine {} ({}): too many files of that name", printable(name), reason);
}

}  // namespace mfrelay::relay
