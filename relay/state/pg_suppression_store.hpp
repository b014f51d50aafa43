// The suppression list in PostgreSQL (suppression_store for [store] kind =
// "postgresql"), shared by every node: a bounce at one node suppresses the
// address at all of them once they re-read it (suppression_list::refresh,
// every second). Writes go through pg_writer (never waiting on the database);
// until one has landed, load_all() shows it over what the database returned,
// so a re-read never makes this node forget its own entry. Any thread.
// Addresses are untrusted text (always bound as parameters).
#pragma once
#include <cstdint>
#include <map>
#include <mutex>

#include "relay/state/pg_store.hpp"
#include "relay/state/suppression_store.hpp"

namespace mfrelay::relay {

class pg_suppression_store final : public suppression_store {
 public:
  explicit pg_suppression_store(pg_store& store) : store_(store) {}

  std::vector<suppressed_destination> load_all() override;
  void put(const suppressed_destination& entry) override;
  // Always false: whether the database held it is known only later (the
  // suppression list answers from its own copy).
  bool remove(std::string_view address) override;
  std::optional<std::vector<suppression_reason>> load_reasons() override;
  void save_reasons(const std::vector<suppression_reason>& reasons) override;
  bool shared() const override { return true; }

 private:
  struct pending {
    std::uint64_t seq = 0;
    std::optional<suppressed_destination> entry;  // nullopt: removed
  };
  void forget(const std::string& address, std::uint64_t seq);

  pg_store& store_;
  std::mutex mutex_;
  std::uint64_t seq_ = 0;
  std::map<std::string, pending> pending_;  // written here, not yet in the database
  std::optional<std::vector<suppression_reason>> pending_reasons_;
};

}  // namespace mfrelay::relay
