// A message_store in memory, for other modules' unit tests (the SMTP session,
// delivery): same contract as spool, nothing durable. Any thread (one mutex).
// Commits complete at once, or fail with the error a test asked for.
#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "relay/spool/message_store.hpp"

namespace mfrelay::relay {

class ram_spool final : public message_store {
 public:
  message_writer begin(std::string id) override;
  boost::asio::awaitable<void> commit(message_writer&& writer, const envelope& env) override;
  std::vector<envelope> recover() override;  // every queued message, as if after a restart
  std::optional<std::string> read_data(const std::string& id) override;
  void remove(const std::string& id) override;
  spool_stats stats(policy::timestamp now) const override;

  // From now on, every append and commit fails with this kind (nullopt: none do).
  void fail_with(std::optional<enum spool_error::kind> kind);
  std::optional<envelope> find(const std::string& id) const;

 private:
  class ram_sink;
  struct stored {
    envelope env;
    std::string data;
  };

  boost::asio::awaitable<void> commit_owned(message_writer writer, envelope env);
  void check_failure() const;  // throws the configured spool_error

  mutable std::mutex mutex_;
  std::map<std::string, stored, std::less<>> queued_;
  std::optional<enum spool_error::kind> fail_;
  std::uint64_t commits_ = 0;
};

}  // namespace mfrelay::relay
