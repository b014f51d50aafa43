// The spool's writing side: directories, begin/append, commit and the group
// flush. Recovery, reading and quarantine are in spool_recover.cpp.
#include "relay/spool/spool.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdio>
#include <stdexcept>

#include "policy/message_id.hpp"
#include "relay/spool/envelope_json.hpp"

namespace mfrelay::relay {
namespace {

// 0, or the errno of `call` (which returns 0 or -1 like a system call).
template <class Call>
int retry_eintr(Call call) {
  for (;;) {
    if (call() == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

unique_fd open_directory(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw spool_error_from_errno(errno, "open " + path.string());
  return unique_fd(fd);
}

void sync_directory(const std::filesystem::path& path) {
  unique_fd fd = open_directory(path);
  if (int err = retry_eintr([&] { return ::fsync(fd.get()); }))
    throw spool_error_from_errno(err, "fsync " + path.string());
}

// mkdir -p, and each directory it creates has its parent fsynced, so the new
// name survives a crash.
void make_directory(const std::filesystem::path& path) {
  if (::mkdir(path.c_str(), 0700) == 0) {
    sync_directory(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
    return;
  }
  if (errno == ENOENT && path.has_parent_path()) {
    make_directory(path.parent_path());
    make_directory(path);
    return;
  }
  if (errno != EEXIST) throw spool_error_from_errno(errno, "mkdir " + path.string());
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw spool_error_from_errno(errno, "stat " + path.string());
  if (!S_ISDIR(st.st_mode)) throw spool_error_from_errno(ENOTDIR, "spool directory " + path.string());
}

}  // namespace

struct spool::flush_ticket {
  unique_fd file;  // the descriptor begin() opened: it sees this file's write-back errors
  int error = 0;   // set by the worker: the file's fdatasync errno
};

// One message's incoming file. Not committed: destroying it unlinks the file.
class spool::file_sink final : public message_writer::sink {
 public:
  file_sink(const spool& owner, std::string id, unique_fd file)
      : owner_(owner), id_(std::move(id)), file_(std::move(file)) {}

  ~file_sink() override {
    if (in_incoming_) ::unlinkat(owner_.incoming_dir_.get(), id_.c_str(), 0);
  }

  void append(std::string_view bytes) override {
    write(bytes, "write");
    hash_.update(bytes);
    data_size_ += bytes.size();
  }

  // Writes envelope and trailer, renames the file into queue/ and hands its
  // descriptor to a flush ticket. Throws spool_error.
  ticket_ptr finish(std::string_view envelope_json) {
    write(envelope_json, "write envelope");
    hash_.update(envelope_json);
    spool_trailer trailer;
    trailer.data_size = data_size_;
    trailer.envelope_size = envelope_json.size();
    trailer.checksum = hash_.finish();
    write(format_trailer(trailer), "write trailer");

    int err = owner_.fault(spool_step::rename);
    if (err == 0) err = rename_no_replace(owner_.incoming_dir_.get(), id_, owner_.queue_dir_.get(), id_);
    if (err != 0) throw spool_error_from_errno(err, "rename into " + owner_.path_of("queue", id_).string());
    in_incoming_ = false;
    auto ticket = std::make_shared<flush_ticket>();
    ticket->file = std::move(file_);
    return ticket;
  }

 private:
  void write(std::string_view bytes, const char* what) {
    if (failed_) throw *failed_;
    if (int err = owner_.write_all(file_.get(), bytes)) {
      failed_ = spool_error_from_errno(err, std::string(what) + " " + owner_.path_of("incoming", id_).string());
      throw *failed_;
    }
  }

  const spool& owner_;
  std::string id_;
  unique_fd file_;
  sha256 hash_;
  std::uint64_t data_size_ = 0;
  bool in_incoming_ = true;
  std::optional<spool_error> failed_;  // a failed write leaves a hole: the file is only good for unlinking
};

spool::spool(std::filesystem::path directory, boost::asio::any_io_executor worker, spool_hooks hooks)
    : directory_(std::move(directory)),
      hooks_(std::move(hooks)),
      fanout_(flush_threads),
      group_(std::move(worker), [this](std::vector<ticket_ptr>& batch) { flush(batch); }) {
  make_directory(directory_);
  // recover() deletes what incoming/ holds: only safe if no other process is
  // writing there. The lock lives as long as this descriptor.
  lock_ = open_directory(directory_);
  if (::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      throw spool_error(spool_error::io, "spool " + directory_.string() + " is in use by another spool (process)");
    throw spool_error_from_errno(errno, "lock " + directory_.string());
  }
  for (const char* sub : {"incoming", "queue", "quarantine"}) make_directory(directory_ / sub);
  incoming_dir_ = open_directory(directory_ / "incoming");
  queue_dir_ = open_directory(directory_ / "queue");
  quarantine_dir_ = open_directory(directory_ / "quarantine");
}

spool::~spool() { janitor_.join(); }

std::filesystem::path spool::path_of(const char* subdir, const std::string& name) const {
  return directory_ / subdir / name;
}

int spool::rename_no_replace(int from_dir, const std::string& from, int to_dir, const std::string& to) {
  if (::renameat2(from_dir, from.c_str(), to_dir, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL) return errno;
  // No RENAME_NOREPLACE here (some network file systems): check, then rename.
  // Only this process writes the spool, so nothing races between the two.
  struct stat st {};
  if (::fstatat(to_dir, to.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return EEXIST;
  if (errno != ENOENT) return errno;
  return ::renameat(from_dir, from.c_str(), to_dir, to.c_str()) == 0 ? 0 : errno;
}

int spool::fault(spool_step step) const { return hooks_.fault ? hooks_.fault(step) : 0; }

int spool::write_all(int fd, std::string_view bytes) const {
  if (int err = fault(spool_step::write)) return err;
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

message_writer spool::begin(std::string id) {
  if (!policy::is_message_id(id)) throw std::invalid_argument("spool::begin: not a message id");
  int err = fault(spool_step::open);
  int fd = -1;
  if (err == 0) {
    fd = ::openat(incoming_dir_.get(), id.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) err = errno;
  }
  if (err != 0) throw spool_error_from_errno(err, "create " + path_of("incoming", id).string());
  auto sink = std::make_unique<file_sink>(*this, id, unique_fd(fd));
  return message_writer(std::move(id), std::move(sink));
}

boost::asio::awaitable<void> spool::commit(message_writer&& writer, const envelope& env) {
  // Not a coroutine itself: the returned awaitable owns the writer and a copy
  // of the envelope, so nothing dangles if it is awaited later.
  return commit_owned(std::move(writer), env);
}

boost::asio::awaitable<void> spool::commit_owned(message_writer writer, envelope env) {
  auto* sink = dynamic_cast<file_sink*>(writer.get());
  if (!sink) throw std::invalid_argument("spool::commit: the writer is not an active writer of this spool");
  if (env.id != writer.id()) throw std::invalid_argument("spool::commit: envelope id differs from the writer's");

  ticket_ptr ticket = sink->finish(envelope_to_json(env));
  writer.abort();  // the file is in queue/ now; the sink has nothing left to undo

  std::exception_ptr failure;
  try {
    co_await group_.submit(ticket);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure && ticket->error != 0) {
    std::string what = "fdatasync " + path_of("queue", env.id).string();
    failure = std::make_exception_ptr(spool_error_from_errno(ticket->error, what));
  }
  if (failure) {
    // Not durable, so never acknowledged: it must not be delivered either.
    ::unlinkat(queue_dir_.get(), env.id.c_str(), 0);
    std::rethrow_exception(failure);
  }
  std::lock_guard lock(mutex_);
  queued_.insert_or_assign(env.id, env.received_at);
}

void spool::flush(std::vector<ticket_ptr>& batch) {
  if (hooks_.before_flush) hooks_.before_flush(batch.size());
  int directory_error = 0;
  // Items 0..n-1 are the files, item n the queue directory: all at once.
  fanout_.run(batch.size() + 1, [&](std::size_t i) {
    if (i == batch.size()) {
      directory_error = fault(spool_step::flush_directory);
      if (directory_error == 0) directory_error = retry_eintr([&] { return ::fsync(queue_dir_.get()); });
      return;
    }
    flush_ticket& t = *batch[i];
    t.error = fault(spool_step::flush_file);
    if (t.error == 0) t.error = retry_eintr([&] { return ::fdatasync(t.file.get()); });
  });
  flushes_.fetch_add(1, std::memory_order_relaxed);
  // Without the directory entry no file of the batch is durable: fail them all.
  if (directory_error != 0) throw spool_error_from_errno(directory_error, "fsync " + (directory_ / "queue").string());
}

void spool::remove(const std::string& id) {
  if (!policy::is_message_id(id)) throw std::invalid_argument("spool::remove: not a message id");
  if (::unlinkat(queue_dir_.get(), id.c_str(), 0) != 0 && errno != ENOENT)
    throw spool_error_from_errno(errno, "unlink " + path_of("queue", id).string());
  std::lock_guard lock(mutex_);
  queued_.erase(id);
}

void spool::remove_soon(const std::string& id) {
  if (!policy::is_message_id(id)) throw std::invalid_argument("spool::remove_soon: not a message id");
  {
    std::lock_guard lock(mutex_);
    queued_.erase(id);
  }
  std::lock_guard lock(removal_mutex_);
  removals_.push_back(id);
  if (!removal_scheduled_) {
    removal_scheduled_ = true;
    boost::asio::post(janitor_, [this] { drain_removals(); });
  }
}

void spool::drain_removals() {
  for (;;) {
    std::vector<std::string> batch;
    {
      std::lock_guard lock(removal_mutex_);
      if (removals_.empty()) {
        removal_scheduled_ = false;
        return;
      }
      batch.swap(removals_);
    }
    for (const auto& id : batch) {
      // Not fsynced, like remove(): a crash may bring the file back (delivered twice, never lost).
      if (::unlinkat(queue_dir_.get(), id.c_str(), 0) != 0 && errno != ENOENT)
        spdlog::error("spool: cannot unlink {}: {}", path_of("queue", id).string(), std::strerror(errno));
    }
  }
}

spool_stats spool::stats(policy::timestamp now) const {
  spool_stats s;
  s.flushes = flushes_.load(std::memory_order_relaxed);
  s.quarantined = quarantined_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  s.depth = queued_.size();
  if (!queued_.empty()) {
    policy::timestamp oldest = queued_.begin()->second;
    for (const auto& [id, received] : queued_) oldest = std::min(oldest, received);
    s.oldest_age = std::max(policy::duration::zero(), now - oldest);
  }
  return s;
}

}  // namespace mfrelay::relay
