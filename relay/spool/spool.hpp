// The durable spool: messages appended to shared segment files; commit() completes
// ("250") only once the message and its envelope are on disk. Threads: see
// message_store.hpp. Message bytes and envelopes are the client's; files on disk
// may be damaged. The design and why: docs/spool.md.
//
// Layout under the spool directory:
//   segments/<n>.seg     records (segment_record.hpp): messages and done records;
//                        a shared segment is fallocate()d to segment_size at creation
//   segments/<n>.spill   a big message being received: a segment of its own
//   quarantine/<n>-<off> damaged records, copied out for an operator, never deleted
//   queue/, incoming/    the previous layout (one file per message): imported once
//
// commit(), step by step:
//   1. while DATA streams in (session thread), the bytes go into the writer's own
//      buffer and are hashed; past spill_threshold they go to a .spill file instead;
//      a prepend at the end (the DKIM signature) rehashes, and copies a spilled
//      message once into a new .spill file behind the new bytes;
//   2. commit() hands the record (header, data, envelope, checksum) to the flush
//      worker, without copying the data; the session coroutine is suspended;
//   3. the worker takes every record submitted since its last round and
//        - writes them with one pwritev() at the active segment's end (a new
//          segment first when it is full: create, fallocate, fsync of segments/);
//        - big messages: header and trailer into the .spill file, rename to .seg,
//          fdatasync it, then one fsync of segments/ for all of them;
//        - one fdatasync() of the active segment: the bytes, and (the file was
//          fallocate()d, its size never changes) the extent state needed to read
//          them back; the segment's name was made durable when it was created;
//   4. each session resumes on its own executor: durable, or a spool_error (451/452).
//
// Failures: a failed write or fdatasync fails every message of the segment in
// that round and the segment takes no more messages (after a failed fdatasync
// Linux may have dropped the dirty pages: the file's content is unknown). Done
// records for the failed messages are written into their segment, so a crash
// does not bring back a message that got a 4xx (best effort: if that fails too,
// a duplicate, never a loss). ENOSPC shows up when a segment is created, since
// fallocate() reserves its blocks: never half-way through a record.
//
// Completion: remove_soon() queues a done record, written with the next round
// into the message's own segment (not waited for: losing one in a crash means a
// duplicate delivery). It does not wake the worker for it: while messages keep
// coming, done records ride along with their rounds; otherwise a round of done
// records alone runs done_delay after the first of them, or at once when
// done_batch are waiting, or when the spool is destroyed. A segment other than
// the active one whose messages are all done is unlinked, on the janitor thread.
// Done records live in the segment of the message they close, so deleting a
// segment never changes another's meaning.
//
// What a crash leaves, and what recover() does (docs/spool.md, "Recovery"):
//   - .spill files were never acknowledged: deleted;
//   - every record of every .seg is checked: a zero header ends the segment; a
//     record whose header checks out but whose checksum fails is quarantined
//     when something follows it, and the scan goes on after it; garbage at the
//     end of what was written (a torn write: kill -9 during pwritev) was never
//     acknowledged and is dropped with a warning. Records are only ever found by
//     following lengths from the front: never by searching for the magic, which
//     a client can put inside a message.
#pragma once
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "relay/common/unique_fd.hpp"
#include "relay/spool/message_store.hpp"
#include "relay/spool/segment_record.hpp"

namespace mfrelay::relay {

// The system calls a fault hook can fail.
enum class spool_step { open, allocate, write, rename, flush_file, flush_directory };

// For tests. Both hooks may be called from several threads at once.
struct spool_hooks {
  // On the flush worker, before each round that writes messages, with their number.
  std::function<void(std::size_t messages)> before_flush;
  // Before each system call of `step`: a non-zero errno makes the call fail with it.
  std::function<int(spool_step step)> fault;
};

struct spool_settings {
  std::uint64_t segment_size = 64 * 1024 * 1024;  // a shared segment's preallocated size
  std::size_t spill_threshold = 256 * 1024;       // bigger messages go to a segment of their own
  std::size_t cache_bytes = 64 * 1024 * 1024;     // just-committed messages kept in memory for delivery
  // How long done records may wait for a round of messages to ride along with,
  // and how many may wait: a crash loses at most these (duplicates, not losses).
  std::chrono::milliseconds done_delay{50};
  std::size_t done_batch = 256;
};

class spool final : public message_store {
 public:
  // Creates `directory` with segments/ and quarantine/ when missing, durably, and
  // locks it (flock): one spool object per directory, system-wide. `worker` runs
  // the group flushes: give it a thread of its own, a flush holds it for
  // milliseconds. Throws spool_error (also when locked).
  spool(std::filesystem::path directory, boost::asio::any_io_executor worker, spool_hooks hooks = {},
        spool_settings settings = {});
  // Destroy only after every commit has completed (stop the sessions first).
  ~spool() override;

  message_writer begin(std::string id) override;
  boost::asio::awaitable<void> commit(message_writer&& writer, const envelope& env) override;
  std::vector<envelope> recover() override;
  std::optional<std::string> read_data(const std::string& id) override;
  // Both queue a done record and return at once.
  void remove(const std::string& id) override;
  void remove_soon(const std::string& id) override;
  spool_stats stats(policy::timestamp now) const override;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  struct segment;
  using segment_ptr = std::shared_ptr<segment>;
  class buffer_sink;
  struct ticket;  // one message waiting for the group flush
  using ticket_ptr = std::shared_ptr<ticket>;
  struct done_item {
    segment_ptr seg;
    std::string id;
    bool live = true;  // false: a message that failed its commit (not counted in seg->live)
  };
  struct location {
    segment_ptr seg;
    std::uint64_t offset = 0;
    record_header header;
    policy::timestamp received_at{};
  };

  template <class Handler>
  void submit(ticket_ptr t, Handler&& handler);
  boost::asio::awaitable<void> commit_owned(message_writer writer, envelope env);
  struct done_timer;  // a steady_timer on the worker (spool.cpp keeps the Asio timer headers)
  void kick();        // with submit_mutex_ held
  // With submit_mutex_ held: a done record joined pending_dones_; whether those
  // make a round of their own now; start the wait for done_delay.
  void done_queued();
  bool dones_due() const;
  void arm_done_timer();
  void run();   // on the worker
  void flush(std::vector<ticket_ptr>& batch, std::vector<done_item>& dones);  // on the worker
  void write_small(std::vector<ticket*>& small, std::vector<done_item>& dones);
  void write_big(std::vector<ticket*>& big);
  void write_dones(std::vector<done_item>& dones);
  // A new active segment with room for at least `needed` bytes; false on failure.
  bool rotate(std::uint64_t needed, std::string& error_what, int& error);
  void retire(const segment_ptr& seg);               // unlink once done and not active
  void succeed(ticket& t);
  int fault(spool_step step) const;
  std::string segment_name(std::uint64_t number, const char* suffix) const;
  std::filesystem::path path_of(const std::string& sub, const std::string& name) const;

  // Reading side (spool_recover.cpp).
  void scan_segment(std::uint64_t number, std::vector<envelope>& good);
  void import_legacy_queue(std::vector<envelope>& good);
  void quarantine_bytes(std::uint64_t number, std::uint64_t offset, int fd, std::uint64_t size,
                        const std::string& reason);

  std::filesystem::path directory_;
  spool_hooks hooks_;
  spool_settings settings_;
  boost::asio::any_io_executor worker_;
  unique_fd lock_;  // the spool directory, flock()ed
  unique_fd segments_dir_;
  unique_fd quarantine_dir_;
  std::atomic<std::uint64_t> next_number_{1};

  // Worker only (and recover(), before serving).
  segment_ptr active_;

  // The group commit's queue.
  std::mutex submit_mutex_;
  std::condition_variable idle_;
  std::vector<ticket_ptr> pending_;
  std::vector<done_item> pending_dones_;
  bool running_ = false;
  std::unique_ptr<done_timer> done_timer_;
  bool done_timer_armed_ = false;  // its handler has yet to run
  bool dones_due_ = false;         // the timer fired, or the spool is going away: write them now

  mutable std::mutex mutex_;  // the index, the cache and the ids being received
  std::map<std::string, location, std::less<>> queued_;
  std::set<std::string, std::less<>> receiving_;
  std::unordered_map<std::string, std::string> cache_;
  std::size_t cached_bytes_ = 0;
  std::atomic<std::uint64_t> flushes_{0};
  std::atomic<std::uint64_t> quarantined_{0};

  boost::asio::thread_pool janitor_{1};  // unlinks segments; last: joined first
};

}  // namespace mfrelay::relay
