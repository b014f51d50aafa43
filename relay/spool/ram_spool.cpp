#include "relay/spool/ram_spool.hpp"

#include <algorithm>
#include <stdexcept>

#include "policy/message_id.hpp"

namespace mfrelay::relay {

class ram_spool::ram_sink final : public message_writer::sink {
 public:
  explicit ram_sink(const ram_spool& owner) : owner_(owner) {}
  void append(std::string_view bytes) override {
    owner_.check_failure();
    data_.append(bytes);
  }
  void prepend(std::string_view bytes) override {
    owner_.check_failure();
    data_.insert(0, bytes);
  }
  std::string data_;

 private:
  const ram_spool& owner_;
};

void ram_spool::check_failure() const {
  std::lock_guard lock(mutex_);
  if (fail_) throw spool_error(*fail_, std::string("ram_spool: injected ") + std::string(to_string(*fail_)));
}

void ram_spool::fail_with(std::optional<enum spool_error::kind> kind) {
  std::lock_guard lock(mutex_);
  fail_ = kind;
}

message_writer ram_spool::begin(std::string id) {
  if (!policy::is_message_id(id)) throw std::invalid_argument("ram_spool::begin: not a message id");
  return message_writer(std::move(id), std::make_unique<ram_sink>(*this));
}

boost::asio::awaitable<void> ram_spool::commit(message_writer&& writer, const envelope& env) {
  return commit_owned(std::move(writer), env);
}

boost::asio::awaitable<void> ram_spool::commit_owned(message_writer writer, envelope env) {
  auto* sink = dynamic_cast<ram_sink*>(writer.get());
  if (!sink) throw std::invalid_argument("ram_spool::commit: the writer is not an active writer of this store");
  if (env.id != writer.id()) throw std::invalid_argument("ram_spool::commit: envelope id differs from the writer's");
  check_failure();
  stored s;
  s.data = std::move(sink->data_);
  s.env = std::move(env);
  writer.abort();
  std::lock_guard lock(mutex_);
  std::string id = s.env.id;
  queued_.insert_or_assign(std::move(id), std::move(s));
  ++commits_;
  co_return;
}

std::vector<envelope> ram_spool::recover() {
  std::lock_guard lock(mutex_);
  std::vector<envelope> out;
  for (const auto& [id, s] : queued_) out.push_back(s.env);
  std::sort(out.begin(), out.end(), [](const envelope& a, const envelope& b) {
    return a.received_at != b.received_at ? a.received_at < b.received_at : a.id < b.id;
  });
  return out;
}

std::optional<std::string> ram_spool::read_data(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = queued_.find(id);
  if (it == queued_.end()) return std::nullopt;
  return it->second.data;
}

std::optional<envelope> ram_spool::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = queued_.find(id);
  if (it == queued_.end()) return std::nullopt;
  return it->second.env;
}

void ram_spool::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  queued_.erase(id);
}

spool_stats ram_spool::stats(policy::timestamp now) const {
  std::lock_guard lock(mutex_);
  spool_stats s;
  s.depth = queued_.size();
  s.flushes = commits_;
  if (!queued_.empty()) {
    policy::timestamp oldest = queued_.begin()->second.env.received_at;
    for (const auto& [id, q] : queued_) oldest = std::min(oldest, q.env.received_at);
    s.oldest_age = std::max(policy::duration::zero(), now - oldest);
  }
  return s;
}

}  // namespace mfrelay::relay
