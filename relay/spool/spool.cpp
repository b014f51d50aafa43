// The spool's writing side: directories, begin/append, commit and the group
// flush into segments. Recovery, reading and quarantine are in spool_recover.cpp.
#include "relay/spool/spool.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <stdexcept>

#include "policy/message_id.hpp"
#include "relay/common/fd_io.hpp"
#include "relay/spool/envelope_json.hpp"
#include "relay/spool/spool_parts.hpp"

namespace mfrelay::relay {

namespace asio = boost::asio;

namespace {

unique_fd open_directory(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw spool_error_from_errno(errno, "open " + path.string());
  return unique_fd(fd);
}

void sync_directory_or_throw(const std::filesystem::path& path) {
  if (int err = sync_directory(path)) throw spool_error_from_errno(err, "fsync " + path.string());
}

// mkdir -p; each directory it creates has its parent fsynced.
void make_directory(const std::filesystem::path& path) {
  if (::mkdir(path.c_str(), 0700) == 0) {
    sync_directory_or_throw(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
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

iovec iov_of(std::string_view s) { return iovec{const_cast<char*>(s.data()), s.size()}; }

}  // namespace

// One message being received: in memory up to spill_threshold, then in a .spill file.
class spool::buffer_sink final : public message_writer::sink {
 public:
  buffer_sink(spool& owner, std::string id) : owner_(owner), id_(std::move(id)) {}

  ~buffer_sink() override {
    if (spill_) ::unlinkat(owner_.segments_dir_.get(), owner_.segment_name(spill_number_, ".spill").c_str(), 0);
    std::lock_guard lock(owner_.mutex_);
    owner_.receiving_.erase(id_);
  }

  void append(std::string_view bytes) override {
    if (failed_) throw *failed_;
    hash_.update(bytes);
    if (!spill_ && data_.size() + bytes.size() <= owner_.settings_.spill_threshold) {
      data_.append(bytes);
      size_ += bytes.size();
      return;
    }
    if (!spill_) start_spill();
    write_spill(bytes);
  }

  // The checksum covers the data from its first byte: it is computed again.
  void prepend(std::string_view bytes) override {
    if (failed_) throw *failed_;
    if (!spill_) {
      data_.insert(0, bytes);
      size_ += bytes.size();
      hash_ = sha256();
      hash_.update(data_);
      if (data_.size() > owner_.settings_.spill_threshold) start_spill();
      return;
    }
    // A big message: a new .spill file with the bytes first, then the old one's content.
    unique_fd old = std::move(spill_);
    std::uint64_t old_number = spill_number_;
    std::uint64_t old_size = spilled_;
    spilled_ = 0;
    hash_ = sha256();
    try {
      start_spill();
      hash_.update(bytes);
      write_spill(bytes);
      std::string chunk;
      for (std::uint64_t at = 0; at < old_size; at += chunk.size()) {
        chunk.resize(static_cast<std::size_t>(std::min<std::uint64_t>(old_size - at, 1 << 20)));
        if (int err = read_at(old.get(), chunk.data(), chunk.size(), record_header_size + at))
          fail(err < 0 ? EIO : err, "read " + owner_.path_of("segments", owner_.segment_name(old_number, ".spill")).string());
        hash_.update(chunk);
        write_spill(chunk, false);
      }
    } catch (...) {
      ::unlinkat(owner_.segments_dir_.get(), owner_.segment_name(old_number, ".spill").c_str(), 0);
      throw;
    }
    ::unlinkat(owner_.segments_dir_.get(), owner_.segment_name(old_number, ".spill").c_str(), 0);
  }

  ticket_ptr finish(std::string aux, policy::timestamp received_at) {
    if (failed_) throw *failed_;
    auto t = std::make_shared<ticket>();
    t->id = id_;
    t->header.kind = record_kind::message;
    t->header.data_size = size_;
    t->header.aux_size = static_cast<std::uint32_t>(aux.size());
    t->aux = std::move(aux);
    t->data = std::move(data_);
    t->hash = std::move(hash_);
    t->received_at = received_at;
    t->spill = std::move(spill_);
    t->spill_number = spill_number_;
    return t;
  }

 private:
  void fail(int err, const std::string& what) {
    failed_ = spool_error_from_errno(err, what);
    if (spill_) {
      ::unlinkat(owner_.segments_dir_.get(), owner_.segment_name(spill_number_, ".spill").c_str(), 0);
      spill_.reset();
    }
    data_.clear();
    data_.shrink_to_fit();
    throw *failed_;
  }

  void start_spill() {
    spill_number_ = owner_.next_number_.fetch_add(1);
    std::string name = owner_.segment_name(spill_number_, ".spill");
    int err = owner_.fault(spool_step::open);
    int fd = -1;
    if (err == 0) {
      fd = ::openat(owner_.segments_dir_.get(), name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                    0600);
      if (fd < 0) err = errno;
    }
    if (err != 0) fail(err, "create " + owner_.path_of("segments", name).string());
    spill_ = unique_fd(fd);
    std::string buffered = std::move(data_);
    data_ = {};
    write_spill(buffered, false);
  }

  // `count`: whether the bytes are new (not the buffer moved to the file).
  void write_spill(std::string_view bytes, bool count = true) {
    int err = owner_.fault(spool_step::write);
    std::uint64_t at = record_header_size + spilled_;
    if (err == 0) err = pwrite_all(spill_.get(), bytes, at);
    if (err != 0) fail(err, "write " + owner_.path_of("segments", owner_.segment_name(spill_number_, ".spill")).string());
    spilled_ += bytes.size();
    if (count) size_ += bytes.size();
  }

  spool& owner_;
  std::string id_;
  std::string data_;
  sha256 hash_;
  std::uint64_t size_ = 0;     // message bytes so far
  std::uint64_t spilled_ = 0;  // of which in the spill file
  unique_fd spill_;
  std::uint64_t spill_number_ = 0;
  std::optional<spool_error> failed_;
};

struct spool::done_timer {
  explicit done_timer(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
};

spool::spool(std::filesystem::path directory, asio::any_io_executor worker, spool_hooks hooks,
             spool_settings settings)
    : directory_(std::move(directory)),
      hooks_(std::move(hooks)),
      settings_(settings),
      worker_(std::move(worker)),
      done_timer_(std::make_unique<done_timer>(worker_)) {
  make_directory(directory_);
  lock_ = open_directory(directory_);
  if (::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      throw spool_error(spool_error::io, "spool " + directory_.string() + " is in use by another spool (process)");
    throw spool_error_from_errno(errno, "lock " + directory_.string());
  }
  for (const char* sub : {"segments", "quarantine"}) make_directory(directory_ / sub);
  segments_dir_ = open_directory(directory_ / "segments");
  quarantine_dir_ = open_directory(directory_ / "quarantine");
  // Numbers go up from the highest on disk (recover() checks again).
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory_ / "segments", ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    unsigned long long n = 0;
    if (std::sscanf(name.c_str(), "%16llx.", &n) == 1 && n + 1 > next_number_) next_number_ = n + 1;
  }
}

spool::~spool() {
  {
    // Done records still waiting are written now; a round of them may be running
    // on the worker, and the timer's handler may be queued there.
    std::unique_lock lock(submit_mutex_);
    if (done_timer_armed_) done_timer_->timer.cancel();
    if (!pending_dones_.empty()) {
      dones_due_ = true;
      kick();
    }
    if (!idle_.wait_for(lock, std::chrono::seconds(30), [&] { return !running_ && !done_timer_armed_; }))
      spdlog::error("spool: the flush worker did not finish within 30 s");
  }
  janitor_.join();
}

std::string spool::segment_name(std::uint64_t number, const char* suffix) const {
  char name[40];
  std::snprintf(name, sizeof name, "%016llx%s", static_cast<unsigned long long>(number), suffix);
  return name;
}

std::filesystem::path spool::path_of(const std::string& sub, const std::string& name) const {
  return directory_ / sub / name;
}

int spool::fault(spool_step step) const { return hooks_.fault ? hooks_.fault(step) : 0; }

message_writer spool::begin(std::string id) {
  if (!policy::is_message_id(id)) throw std::invalid_argument("spool::begin: not a message id");
  {
    std::lock_guard lock(mutex_);
    if (receiving_.contains(id) || queued_.contains(id))
      throw spool_error_from_errno(EEXIST, "begin " + id);
    receiving_.insert(id);
  }
  auto sink = std::make_unique<buffer_sink>(*this, id);
  return message_writer(std::move(id), std::move(sink));
}

asio::awaitable<void> spool::commit(message_writer&& writer, const envelope& env) {
  return commit_owned(std::move(writer), env);
}

asio::awaitable<void> spool::commit_owned(message_writer writer, envelope env) {
  auto* sink = dynamic_cast<buffer_sink*>(writer.get());
  if (!sink) throw std::invalid_argument("spool::commit: the writer is not an active writer of this spool");
  if (env.id != writer.id()) throw std::invalid_argument("spool::commit: envelope id differs from the writer's");
  {
    std::lock_guard lock(mutex_);
    if (queued_.contains(env.id)) throw spool_error_from_errno(EEXIST, "commit " + env.id);
  }
  // Named, not a temporary inside the co_await expression: GCC 12 may destroy
  // such temporaries twice. The ticket belongs to the batch from here on; the
  // outcome comes back as the completion's exception_ptr.
  auto initiate = [this, t = sink->finish(envelope_to_json(env), env.received_at)](auto handler) mutable {
    submit(std::move(t), std::move(handler));
  };
  co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(std::move(initiate),
                                                                                        asio::use_awaitable);
  // The id stays "being received" until here (the writer ends it), so nobody can begin it again meanwhile.
}

template <class Handler>
void spool::submit(ticket_ptr t, Handler&& handler) {
  auto executor = asio::get_associated_executor(handler, worker_);
  using concrete = ticket::waiter_for<std::decay_t<Handler>>;
  t->waiting = std::make_unique<concrete>(std::forward<Handler>(handler), std::move(executor));
  std::lock_guard lock(submit_mutex_);
  pending_.push_back(std::move(t));
  kick();
}

void spool::kick() {
  if (running_) return;
  running_ = true;
  asio::post(worker_, [this] { run(); });
}

void spool::remove(const std::string& id) { remove_soon(id); }

void spool::remove_soon(const std::string& id) {
  if (!policy::is_message_id(id)) throw std::invalid_argument("spool::remove_soon: not a message id");
  done_item d;
  {
    std::lock_guard lock(mutex_);
    auto it = queued_.find(id);
    if (it == queued_.end()) return;
    d.seg = it->second.seg;
    queued_.erase(it);
    if (auto c = cache_.find(id); c != cache_.end()) {
      cached_bytes_ -= c->second.size();
      cache_.erase(c);
    }
  }
  d.id = id;
  std::lock_guard lock(submit_mutex_);
  pending_dones_.push_back(std::move(d));
  done_queued();
}

void spool::done_queued() {
  if (running_) return;  // the worker decides when it is done with its rounds
  if (dones_due()) {
    kick();
    return;
  }
  arm_done_timer();
}

bool spool::dones_due() const {
  return !pending_dones_.empty() && (dones_due_ || pending_dones_.size() >= settings_.done_batch);
}

void spool::arm_done_timer() {
  if (done_timer_armed_) return;
  done_timer_armed_ = true;
  done_timer_->timer.expires_after(settings_.done_delay);
  // Cancelled (the spool is going away) or not, the same: whatever waits is written.
  done_timer_->timer.async_wait([this](const boost::system::error_code&) {
    std::lock_guard lock(submit_mutex_);
    done_timer_armed_ = false;
    if (!pending_dones_.empty()) {
      dones_due_ = true;
      kick();
    }
    idle_.notify_all();
  });
}

void spool::run() {
  for (;;) {
    std::vector<ticket_ptr> batch;
    std::vector<done_item> dones;
    {
      std::lock_guard lock(submit_mutex_);
      if (pending_.empty() && !dones_due()) {
        // Done records alone wait for the next message, the batch, or the timer.
        running_ = false;
        if (!pending_dones_.empty()) arm_done_timer();
        idle_.notify_all();
        return;
      }
      dones_due_ = false;
      batch.swap(pending_);
      dones.swap(pending_dones_);
    }
    if (!batch.empty() && hooks_.before_flush) hooks_.before_flush(batch.size());
    try {
      flush(batch, dones);
    } catch (const std::exception& e) {  // a broken invariant: fail what is in hand, keep serving
      spdlog::error("spool: flush: {}", e.what());
      for (auto& t : batch)
        if (t->error == 0 && !t->seg) {
          t->error = EIO;
          t->error_what = std::string("flush: ") + e.what();
        }
    }
    for (auto& t : batch) {
      if (!t->waiting) continue;
      std::exception_ptr outcome;
      if (t->error != 0) outcome = std::make_exception_ptr(spool_error_from_errno(t->error, t->error_what));
      t->waiting->resume(std::move(outcome));
    }
  }
}

void spool::flush(std::vector<ticket_ptr>& batch, std::vector<done_item>& dones) {
  std::vector<ticket*> small, big;
  for (auto& t : batch) (t->spill ? big : small).push_back(t.get());
  std::vector<done_item> retry;
  if (!small.empty()) flushes_.fetch_add(1, std::memory_order_relaxed);
  write_small(small, dones);  // also writes the done records that go into the active segment
  write_big(big);
  write_dones(dones);
  for (auto* t : small)
    if (t->error != 0 && t->seg) retry.push_back({t->seg, t->id, false});
  for (auto* t : big)
    if (t->error == 0) succeed(*t);
  for (auto* t : small)
    if (t->error == 0) succeed(*t);
  // Done records for messages whose commit failed after their bytes were written:
  // next round (this one's segment state is settled by then).
  if (!retry.empty()) {
    std::lock_guard lock(submit_mutex_);
    for (auto& d : retry) pending_dones_.push_back(std::move(d));
    dones_due_ = true;
  }
}

void spool::succeed(ticket& t) {
  std::lock_guard lock(mutex_);
  location loc;
  loc.seg = t.seg;
  loc.offset = t.offset;
  loc.header = t.header;
  loc.received_at = t.received_at;
  queued_.insert_or_assign(t.id, std::move(loc));
  if (!t.data.empty() && cached_bytes_ + t.data.size() <= settings_.cache_bytes) {
    cached_bytes_ += t.data.size();
    cache_.insert_or_assign(t.id, std::move(t.data));
  }
}

bool spool::rotate(std::uint64_t needed, std::string& error_what, int& error) {
  if (active_) {
    active_->takes_messages = false;
    retire(active_);
    active_.reset();
  }
  auto seg = std::make_shared<segment>();
  seg->number = next_number_.fetch_add(1);
  std::string name = segment_name(seg->number, ".seg");
  seg->path = path_of("segments", name);
  error = fault(spool_step::open);
  int fd = -1;
  if (error == 0) {
    fd = ::openat(segments_dir_.get(), name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) error = errno;
  }
  if (error != 0) {
    error_what = "create " + seg->path.string();
    return false;
  }
  seg->fd = unique_fd(fd);
  // Reserve the blocks now: a full disk shows here, not half-way through a record,
  // and an append never changes the file's size.
  // A nearly full disk gets smaller segments, down to what this message needs,
  // so it keeps taking mail until it is really full.
  std::uint64_t size = settings_.segment_size;
  for (;;) {
    error = fault(spool_step::allocate);
    if (error == 0) error = retry_eintr([&] { return ::fallocate(fd, 0, 0, static_cast<off_t>(size)); });
    if (error == EOPNOTSUPP) error = 0;  // no preallocation here: appends extend the file
    if ((error != ENOSPC && error != EDQUOT) || size / 2 < needed) break;
    size /= 2;
  }
  if (error == 0) error = fault(spool_step::flush_directory);
  if (error == 0) error = retry_eintr([&] { return ::fsync(segments_dir_.get()); });
  if (error != 0) {
    error_what = "prepare " + seg->path.string();
    ::unlinkat(segments_dir_.get(), name.c_str(), 0);
    return false;
  }
  seg->capacity = size;
  seg->takes_messages = true;
  active_ = std::move(seg);
  return true;
}

void spool::write_small(std::vector<ticket*>& small, std::vector<done_item>& dones) {
  const std::uint64_t done_room = done_record_size();
  std::deque<std::string> owned;  // done records written in this pwritev
  std::vector<iovec> iov;
  std::vector<ticket*> group;
  std::uint64_t start = 0, bytes = 0;

  // The done records for the active segment's own messages ride along.
  auto add_dones = [&] {
    if (!active_) return;
    for (auto& d : dones) {
      if (d.seg != active_ || d.id.empty()) continue;
      owned.push_back(encode_done_record(active_->number, d.id));
      iov.push_back(iov_of(owned.back()));
      bytes += owned.back().size();
      if (d.live && active_->live > 0) --active_->live;
      d.id.clear();  // handled
    }
  };
  auto write_group = [&] {
    if (!active_ || (group.empty() && iov.empty())) return;
    int err = fault(spool_step::write);
    if (err == 0) err = pwritev_all(active_->fd.get(), iov, start);
    std::string what = "write " + active_->path.string();
    if (err == 0 && !group.empty()) {
      err = fault(spool_step::flush_file);
      if (err == 0) err = retry_eintr([&] { return ::fdatasync(active_->fd.get()); });
      what = "fdatasync " + active_->path.string();
      // Someone deleted the segment under us (rm -rf of the spool): the bytes are
      // durable in a file nobody can find. Not "on disk" in any useful sense.
      struct stat st {};
      if (err == 0 && ::fstat(active_->fd.get(), &st) == 0 && st.st_nlink == 0) {
        err = ENOENT;
        what = "segment " + active_->path.string() + " was deleted under the running spool";
      }
    }
    active_->end = start + bytes;
    for (auto* t : group) {
      t->seg = active_;
      if (err != 0) {
        t->error = err;
        t->error_what = what;
      } else {
        ++active_->live;  // now, before a rotation can retire the segment
      }
    }
    if (err != 0) {
      spdlog::error("spool: {}: {}; the segment takes no more messages", what, std::strerror(err));
      active_->takes_messages = false;
      segment_ptr failed = active_;
      active_.reset();
      retire(failed);
    }
    iov.clear();
    group.clear();
    owned.clear();
    bytes = 0;
  };

  if (active_) {
    start = active_->end;
    add_dones();
  }
  for (auto* t : small) {
    std::uint64_t size = t->header.record_size();
    auto fits = [&] {
      return active_ && active_->takes_messages &&
             start + bytes + size + (active_->messages + 1) * done_room <= active_->capacity;
    };
    if (!fits()) {
      write_group();
      std::string what;
      int err = 0;
      if (!rotate(size + 2 * done_room, what, err)) {
        t->error = err;
        t->error_what = what;
        continue;
      }
      start = active_->end;
      add_dones();
      if (!fits() && bytes == 0 && active_->messages == 0) {
        // Bigger than a whole segment (a spill threshold above the segment size): refuse, do not loop.
        t->error = EFBIG;
        t->error_what = "message larger than a spool segment";
        continue;
      }
    }
    t->header.segment = active_->number;
    t->header_bytes = encode_record_header(t->header);
    t->checksum = finish_record_checksum(std::move(t->hash), t->aux, t->header_bytes);
    t->offset = start + bytes;
    iov.push_back(iovec{t->header_bytes.data(), t->header_bytes.size()});
    if (!t->data.empty()) iov.push_back(iov_of(t->data));
    if (!t->aux.empty()) iov.push_back(iov_of(t->aux));
    iov.push_back(iovec{t->checksum.data(), t->checksum.size()});
    bytes += size;
    ++active_->messages;
    group.push_back(t);
  }
  write_group();
}

void spool::write_big(std::vector<ticket*>& big) {
  if (big.empty()) return;
  std::vector<ticket*> renamed;
  for (auto* t : big) {
    t->header.segment = t->spill_number;
    t->header_bytes = encode_record_header(t->header);
    t->checksum = finish_record_checksum(std::move(t->hash), t->aux, t->header_bytes);
    std::string spill_name = segment_name(t->spill_number, ".spill");
    std::string seg_name = segment_name(t->spill_number, ".seg");
    std::string what = "write " + path_of("segments", spill_name).string();
    int err = fault(spool_step::write);
    if (err == 0) err = pwrite_all(t->spill.get(), {t->header_bytes.data(), t->header_bytes.size()}, 0);
    if (err == 0) {
      std::vector<iovec> tail{iov_of(t->aux), iovec{t->checksum.data(), t->checksum.size()}};
      err = pwritev_all(t->spill.get(), tail, record_header_size + t->header.data_size);
    }
    if (err == 0) {
      what = "fdatasync " + path_of("segments", spill_name).string();
      err = fault(spool_step::flush_file);
      if (err == 0) err = retry_eintr([&] { return ::fdatasync(t->spill.get()); });
    }
    if (err == 0) {
      what = "rename " + path_of("segments", spill_name).string();
      err = fault(spool_step::rename);
      if (err == 0 && ::renameat(segments_dir_.get(), spill_name.c_str(), segments_dir_.get(), seg_name.c_str()) != 0)
        err = errno;
    }
    if (err != 0) {
      t->error = err;
      t->error_what = what;
      ::unlinkat(segments_dir_.get(), spill_name.c_str(), 0);
      t->spill.reset();
      continue;
    }
    renamed.push_back(t);
  }
  if (renamed.empty()) return;
  int err = fault(spool_step::flush_directory);
  if (err == 0) err = retry_eintr([&] { return ::fsync(segments_dir_.get()); });
  for (auto* t : renamed) {
    std::string seg_name = segment_name(t->spill_number, ".seg");
    if (err != 0) {
      // Without its name on disk the message is not durable: refuse it, and do not deliver it.
      t->error = err;
      t->error_what = "fsync " + (directory_ / "segments").string();
      ::unlinkat(segments_dir_.get(), seg_name.c_str(), 0);
      continue;
    }
    auto seg = std::make_shared<segment>();
    seg->number = t->spill_number;
    seg->path = path_of("segments", seg_name);
    seg->fd = std::move(t->spill);
    seg->end = t->header.record_size();
    seg->messages = 1;
    seg->live = 1;
    t->seg = seg;
    t->offset = 0;
  }
}

void spool::write_dones(std::vector<done_item>& dones) {
  // The rest go into older segments, each at its own end; not fdatasynced (a lost
  // done record means a duplicate delivery after a crash, never a loss).
  std::map<segment*, std::pair<segment_ptr, std::string>> per_segment;
  for (auto& d : dones) {
    if (d.id.empty() || !d.seg) continue;
    auto& [seg, bytes] = per_segment[d.seg.get()];
    seg = d.seg;
    bytes += encode_done_record(d.seg->number, d.id);
    if (d.live && d.seg->live > 0) --d.seg->live;
  }
  for (auto& [raw, entry] : per_segment) {
    auto& [seg, bytes] = entry;
    int err = fault(spool_step::write);
    if (err == 0) err = pwrite_all(seg->fd.get(), bytes, seg->end);
    if (err != 0)
      spdlog::error("spool: cannot write done records to {}: {} (those messages may be delivered again after a restart)",
                    seg->path.string(), std::strerror(err));
    else
      seg->end += bytes.size();
    retire(seg);
  }
  if (active_) retire(active_);
}

// A segment that takes no more messages and holds no live one goes.
void spool::retire(const segment_ptr& seg) {
  if (seg->takes_messages || seg->live > 0 || seg->retired) return;
  seg->retired = true;
  std::string name = seg->path.filename().string();
  asio::post(janitor_, [this, name] {
    if (::unlinkat(segments_dir_.get(), name.c_str(), 0) != 0 && errno != ENOENT)
      spdlog::error("spool: cannot unlink {}: {}", path_of("segments", name).string(), std::strerror(errno));
  });
}

spool_stats spool::stats(policy::timestamp now) const {
  spool_stats s;
  s.flushes = flushes_.load(std::memory_order_relaxed);
  s.quarantined = quarantined_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  s.depth = queued_.size();
  if (!queued_.empty()) {
    policy::timestamp oldest = queued_.begin()->second.received_at;
    for (const auto& [id, loc] : queued_) oldest = std::min(oldest, loc.received_at);
    s.oldest_age = std::max(policy::duration::zero(), now - oldest);
  }
  return s;
}

}  // namespace mfrelay::relay
