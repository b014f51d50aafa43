// One message being received: DATA is appended as it arrives, then the writer is
// handed to message_store::commit, or dropped (abort) and its bytes go. One thread
// at a time (the SMTP session's). The bytes are the client's, stored as they are.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mfrelay::relay {

class message_writer {
 public:
  // Where a store backend keeps the bytes. Destroying a sink that was not
  // committed discards its bytes (the file backend unlinks its file).
  class sink {
   public:
    virtual ~sink() = default;
    // Throws spool_error (no_space or io).
    virtual void append(std::string_view bytes) = 0;
    // Puts `bytes` before everything appended so far. Throws spool_error.
    virtual void prepend(std::string_view bytes) = 0;
  };

  message_writer() = default;
  message_writer(std::string id, std::unique_ptr<sink> bytes);
  message_writer(message_writer&&) noexcept = default;
  message_writer& operator=(message_writer&&) noexcept = default;
  ~message_writer() = default;

  // Throws spool_error{no_space|io}; after an error the writer only fails.
  // Throws std::logic_error once the writer was committed or aborted.
  void append(std::string_view bytes);

  // Puts header fields on top of the message once it is whole (the DKIM
  // signature, which needs the whole body first). Same errors as append. A
  // message past the spill threshold is copied once into a new file for it.
  void prepend(std::string_view bytes);

  // Discards the message; the same happens on destruction unless committed.
  void abort() noexcept { sink_.reset(); }

  bool active() const { return sink_ != nullptr; }
  const std::string& id() const { return id_; }
  std::uint64_t size() const { return size_; }  // bytes appended so far

  // For backends: the sink, to commit it; the writer is then inactive.
  sink* get() const { return sink_.get(); }
  std::unique_ptr<sink> release() { return std::move(sink_); }

 private:
  std::string id_;
  std::unique_ptr<sink> sink_;
  std::uint64_t size_ = 0;
};

}  // namespace mfrelay::relay
