// Where accepted messages live until delivered: spool (files, durable) or ram_spool
// (tests). Threading is per call, below. Message bytes and envelope strings are
// the client's, stored byte for byte.
#pragma once
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/time.hpp"
#include "relay/spool/envelope.hpp"
#include "relay/spool/message_writer.hpp"
#include "relay/spool/spool_error.hpp"

namespace mfrelay::relay {

struct spool_stats {
  std::size_t depth = 0;               // messages queued (committed, not yet removed)
  policy::duration oldest_age{};       // now - received_at of the oldest; 0 when empty
  std::uint64_t flushes = 0;           // group flushes since start (one serves many commits)
  std::uint64_t quarantined = 0;       // files moved to quarantine since start
};

class message_store {
 public:
  virtual ~message_store() = default;

  // SMTP session, its own thread. `id` must be a policy::is_message_id string
  // (std::invalid_argument otherwise). Throws spool_error.
  virtual message_writer begin(std::string id) = 0;

  // Awaitable from any executor; resumes on the awaiting coroutine's executor.
  // The writer is moved in and `env` copied at the call, so the awaitable may
  // be awaited later. Completes only when the message and `env` are durable:
  // then reply 250. Throws spool_error{no_space} (452 4.3.1) or spool_error{io}
  // (451 4.3.0), and then nothing of the message stays queued; throws
  // std::invalid_argument if env.id is not writer.id() or the writer is not
  // this store's. A few small writes and a rename run on the caller's thread
  // (like append); the flush never does. The store must outlive the await.
  virtual boost::asio::awaitable<void> commit(message_writer&& writer, const envelope& env) = 0;

  // Startup, before serving (no commit in flight): the envelopes of every
  // queued message, oldest first. Throws spool_error if a directory cannot be read.
  virtual std::vector<envelope> recover() = 0;

  // Delivery side, any thread (blocking reads). The whole message, checksum
  // verified, or nullopt when it is gone or damaged (then it is quarantined;
  // so is a file that fails to read). Throws spool_error when out of
  // descriptors or memory, which says nothing about the file.
  virtual std::optional<std::string> read_data(const std::string& id) = 0;

  // Delivery side, any thread: after final delivery or bounce. Unknown ids are ignored.
  virtual void remove(const std::string& id) = 0;

  // The same, without waiting for the file system (an unlink can block for
  // milliseconds): the message leaves the queue's accounting at once and its
  // file goes soon after. Any thread. The default removes at once.
  virtual void remove_soon(const std::string& id) { remove(id); }

  // Any thread.
  virtual spool_stats stats(policy::timestamp now) const = 0;
};

}  // namespace mfrelay::relay
