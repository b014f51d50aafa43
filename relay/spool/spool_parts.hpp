// The spool's inner records, shared by spool.cpp (writing) and spool_recover.cpp
// (reading): an open segment file, and a message waiting for the group flush.
// Only the spool includes this. No input.
#pragma once
#include <boost/asio/post.hpp>
#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "relay/spool/spool.hpp"

namespace mfrelay::relay {

struct spool::segment {
  std::uint64_t number = 0;
  unique_fd fd;
  std::filesystem::path path;
  std::uint64_t capacity = UINT64_MAX;  // preallocated size of a shared segment
  // Worker only (and recover(), before serving):
  std::uint64_t end = 0;       // where the next record goes
  std::uint64_t messages = 0;  // message records in it: room is kept for a done record each
  std::size_t live = 0;        // committed messages not yet done
  bool takes_messages = false; // the active segment, until it is full or fails
  bool retired = false;
};

struct spool::ticket {
  std::string id;
  record_header header;  // sizes; the segment number is set by the worker
  record_header_bytes header_bytes{};
  std::string data;      // the message, unless spilled
  std::string aux;       // envelope JSON
  sha256 hash;           // over the data; the worker finishes it
  sha256::digest checksum{};
  policy::timestamp received_at{};
  unique_fd spill;       // a big message's own segment file, still named .spill
  std::uint64_t spill_number = 0;
  // Set by the worker:
  int error = 0;
  std::string error_what;
  segment_ptr seg;
  std::uint64_t offset = 0;
  // Who waits.
  // The waiting coroutine's handler, typed (any_completion_handler's move
  // assignment recurses and its moved-from destructor crashes in Boost 1.81).
  struct waiter {
    virtual ~waiter() = default;
    virtual void resume(std::exception_ptr outcome) = 0;  // posts the completion to the waiter's executor
  };
  template <class Handler>
  struct waiter_for final : waiter {
    waiter_for(Handler h, boost::asio::any_io_executor e) : handler(std::move(h)), executor(std::move(e)) {}
    void resume(std::exception_ptr outcome) override {
      boost::asio::post(executor, [h = std::move(handler), outcome]() mutable { std::move(h)(outcome); });
    }
    Handler handler;
    boost::asio::any_io_executor executor;
  };
  std::unique_ptr<waiter> waiting;
};

}  // namespace mfrelay::relay
