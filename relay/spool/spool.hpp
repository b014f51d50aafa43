// The durable spool: one file per message; commit() completes ("250") only once
// message, envelope and directory entry are on disk. Threads: see message_store.hpp.
// Message bytes and envelopes are the client's; files on disk may be damaged.
//
// Layout under the spool directory:
//   incoming/<id>       being received: DATA streams into it (page cache only)
//   queue/<id>          committed and valid (spool_file.hpp); delivered from here
//   quarantine/<name>   damaged files, kept for an operator, never deleted
//
// commit(), step by step (after Postfix's mail_stream_finish_file: flush,
// fsync, and only then reply; we also fsync the directory):
//   1. on the caller's thread: append the envelope and the trailer (the SHA-256
//      of the message was computed while DATA streamed in), then rename
//      incoming/<id> to queue/<id> (never over an existing file);
//   2. submit to a group_commit. Its worker takes every file submitted since
//      the last flush and makes the whole batch durable in one round:
//        - file:      fdatasync() on each file, on the descriptor begin() opened:
//                     the bytes, and the size and blocks needed to read them back;
//        - directory: fsync() of queue/: the names the renames created;
//      all issued at once from sync_fanout's 16 threads, so the file system
//      folds them into a few journal commits and disk cache flushes;
//   3. the caller resumes on its own executor: durable, or a spool_error after
//      which the file is unlinked from queue/ (the client will retry).
//
// Why fdatasync of each file, and not one syncfs(2) for the batch:
//   - Errors land on the right message. Linux reports a write-back error to
//     every descriptor that was open on the file when it happened, so the
//     descriptor begin() opened sees any error that hit this message. syncfs
//     reports through one per-file-system error cursor: a write-back error in
//     a file of the *next* batch, written back during this batch's syncfs,
//     fails this batch and is then not reported again, so the next batch would
//     say 250 for a lost message.
//   - It touches only our files. syncfs writes back every dirty page of the
//     whole file system (logs, the state database, anything else on it), so its
//     latency is set by other programs.
//   - The cost is the same order. Measured on the build machine (/work: ext4,
//     here without a journal; 4 KB files), one batch of 50 takes 2-3 ms with
//     parallel fdatasync, 1-4 ms with syncfs, and 150-180 ms with fdatasync
//     issued one after another (each pays its own disk cache flush, ~3 ms).
//   fdatasync, not fsync: the file is new, so its size and blocks changed and
//   fdatasync must persist them; only timestamps are skipped. Its name is made
//   durable by the directory fsync. (On a journalled ext4 both ride in the
//   same journal commit.)
//
// What a crash leaves, and what recover() does with it:
//   - incoming/ files were never acknowledged: deleted.
//   - a queue/ file whose flush had not completed was never acknowledged
//     either; it is whole (delivered; the client may also retry: a duplicate,
//     which SMTP allows) or cut short (its trailer fails: quarantined).
//   - the unlink after a failed flush, and remove() after delivery, are not
//     fsynced: a crash right after may bring a file back and deliver it twice.
//     Never lost, possibly duplicated: SMTP's at-least-once.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "relay/common/group_commit.hpp"
#include "relay/spool/message_store.hpp"
#include "relay/spool/spool_file.hpp"
#include "relay/spool/sync_fanout.hpp"
#include "relay/common/unique_fd.hpp"

namespace mfrelay::relay {

// The system calls a fault hook can fail.
enum class spool_step { open, write, rename, flush_file, flush_directory };

// For tests. Both hooks may be called from several threads at once.
struct spool_hooks {
  // On the flush worker, before each group flush, with the number of files in it.
  std::function<void(std::size_t files)> before_flush;
  // Before each system call of `step`: a non-zero errno makes the call fail with it.
  std::function<int(spool_step step)> fault;
};

class spool final : public message_store {
 public:
  // Flushes in parallel, at most this many at once.
  static constexpr std::size_t flush_threads = 16;

  // Creates `directory` with incoming/, queue/ and quarantine/ when missing,
  // durably, and locks it (flock): one spool object per directory, system-wide.
  // `worker` runs the blocking flushes: give it a thread of its own, a flush
  // holds it for milliseconds. Throws spool_error (also when locked).
  spool(std::filesystem::path directory, boost::asio::any_io_executor worker, spool_hooks hooks = {});
  // Destroy only after every commit has completed (stop the sessions first).
  ~spool() override;

  message_writer begin(std::string id) override;
  boost::asio::awaitable<void> commit(message_writer&& writer, const envelope& env) override;
  // Also deletes what incoming/ holds and quarantines what queue/ should not.
  std::vector<envelope> recover() override;
  std::optional<std::string> read_data(const std::string& id) override;
  void remove(const std::string& id) override;
  // Unlinks on the spool's own janitor thread, in batches, so the delivery
  // side never waits on the file system (ext4 may TRIM synchronously on unlink).
  void remove_soon(const std::string& id) override;
  spool_stats stats(policy::timestamp now) const override;

  const std::filesystem::path& directory() const { return directory_; }

 private:
  class file_sink;
  struct flush_ticket;  // one renamed file, waiting for the group flush
  using ticket_ptr = std::shared_ptr<flush_ticket>;

  boost::asio::awaitable<void> commit_owned(message_writer writer, envelope env);
  void flush(std::vector<ticket_ptr>& batch);  // on the worker
  int fault(spool_step step) const;
  int write_all(int fd, std::string_view bytes) const;  // 0 or errno
  std::filesystem::path path_of(const char* subdir, const std::string& name) const;

  // nullopt when the file is missing; spool_error when out of descriptors or memory.
  std::optional<spool_file_check> check_queued(const std::string& name, std::string* data) const;
  // Moves from_dir/name to quarantine/ (as name, name.1, ...), never over another file.
  void quarantine(int from_dir, const std::string& name, const std::string& reason);
  // renameat2(RENAME_NOREPLACE), emulated where the file system lacks it; 0 or errno.
  static int rename_no_replace(int from_dir, const std::string& from, int to_dir, const std::string& to);

  std::filesystem::path directory_;
  spool_hooks hooks_;
  unique_fd lock_;  // the spool directory, flock()ed
  unique_fd incoming_dir_;
  unique_fd queue_dir_;
  unique_fd quarantine_dir_;

  mutable std::mutex mutex_;
  std::map<std::string, policy::timestamp, std::less<>> queued_;  // id -> received_at
  std::atomic<std::uint64_t> flushes_{0};
  std::atomic<std::uint64_t> quarantined_{0};

  void drain_removals();  // on the janitor

  std::mutex removal_mutex_;
  std::vector<std::string> removals_;
  bool removal_scheduled_ = false;

  sync_fanout fanout_;
  group_commit<ticket_ptr> group_;  // its worker calls flush(), which uses the rest
  boost::asio::thread_pool janitor_{1};  // last: joined first, while the rest still exists
};

}  // namespace mfrelay::relay
