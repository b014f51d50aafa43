// The sent-message index: what the feedback listener matches bounces against.
// Remembered messages are found at once (before the batch is written), still
// found after a reopen (a restart), and forgotten after the retention.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <stdexcept>

#include "relay/state/sent_message_index.hpp"
#include "relay/state/sqlite_state_store.hpp"
#include "support/temp_dir.hpp"
#include "support/fixed_time.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
using test::t0;

sent_message message(std::string id, policy::timestamp at) {
  sent_message m;
  m.message_id = std::move(id);
  m.identity = "example.com";
  m.mail_from_domain = "mail.example.com";
  m.source = "app@example.com";
  m.from = "news@example.com";
  m.recipients = {"a@example.net", "b@example.org"};
  m.sent_at = at;
  m.metadata = R"({"mail":{"messageId":"x"}})";
  return m;
}

struct fake_clock {
  std::shared_ptr<std::atomic<std::int64_t>> ms = std::make_shared<std::atomic<std::int64_t>>(t0.time_since_epoch().count());
  std::function<policy::timestamp()> fn() const {
    return [c = ms] { return policy::timestamp{policy::duration{c->load()}}; };
  }
  void advance(policy::duration d) { ms->fetch_add(d.count()); }
};

sent_message_index_settings settings_with(const fake_clock& clock) {
  sent_message_index_settings s;
  s.retention = 14 * 24h;
  s.flush_interval = 3600s;  // only explicit flushes in these tests
  s.prune_interval = 3600s;
  s.clock = clock.fn();
  return s;
}

TEST_CASE("a remembered message is found before and after its batch is written, and after a reopen") {
  test::temp_dir dir;
  const std::string path = (dir.path() / "state.db").string();
  fake_clock clock;
  {
    sqlite_state_store store(path);  // the verification store shares the file
    sent_message_index index(path, settings_with(clock));
    index.remember(message("id-1", t0));
    auto queued = index.find("id-1");
    REQUIRE(queued);
    CHECK(queued->source == "app@example.com");
    CHECK(index.written() == 0);
    index.flush();
    CHECK(index.written() == 1);
    auto stored = index.find("id-1");
    REQUIRE(stored);
    CHECK(stored->recipients == std::vector<std::string>{"a@example.net", "b@example.org"});
    CHECK_FALSE(index.find("id-2"));
    index.remember(message("id-2", t0));
  }  // the destructor writes what is still queued
  sent_message_index index(path, settings_with(clock));
  auto found = index.find("id-2");
  REQUIRE(found);
  CHECK(found->identity == "example.com");
  CHECK(found->mail_from_domain == "mail.example.com");
  CHECK(found->from == "news@example.com");
  CHECK(found->sent_at == t0);
  CHECK(found->metadata == R"({"mail":{"messageId":"x"}})");
  CHECK(index.find("id-1"));
}

TEST_CASE("a message older than the retention is not found, and pruning deletes it") {
  test::temp_dir dir;
  const std::string path = (dir.path() / "state.db").string();
  fake_clock clock;
  sent_message_index index(path, settings_with(clock));
  index.remember(message("old", t0));
  index.remember(message("new", t0 + 10 * 24h));
  index.flush();
  clock.advance(14 * 24h + 1s);
  CHECK_FALSE(index.find("old"));
  CHECK(index.find("new"));
  CHECK(index.prune() == 1);
  clock.advance(-(14 * 24h + 1s));
  CHECK_FALSE(index.find("old"));  // gone for good, not just out of the window
  CHECK(index.find("new"));
}

TEST_CASE("the writer thread writes a batch on its own within the flush interval") {
  test::temp_dir dir;
  const std::string path = (dir.path() / "state.db").string();
  fake_clock clock;
  auto s = settings_with(clock);
  s.flush_interval = 10ms;
  sent_message_index index(path, s);
  index.remember(message("id-1", t0));
  for (int i = 0; i < 500 && index.written() == 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(index.written() == 1);
}

// A table that refuses every write until told otherwise: a database that is away.
struct unreachable_table final : sent_message_table {
  std::shared_ptr<std::atomic<bool>> down = std::make_shared<std::atomic<bool>>(true);
  std::shared_ptr<std::atomic<std::size_t>> rows = std::make_shared<std::atomic<std::size_t>>(0);
  void write(const std::vector<sent_message>& batch) override {
    if (down->load()) throw std::runtime_error("PostgreSQL store: not connected");
    rows->fetch_add(batch.size());
  }
  std::size_t prune(policy::timestamp) override { return 0; }
  std::optional<sent_message> find(const std::string&, policy::timestamp) override {
    if (down->load()) throw std::runtime_error("PostgreSQL store: not connected");
    return std::nullopt;
  }
};

TEST_CASE("while the table cannot be written the queue is kept, bounded, and written once it can be") {
  fake_clock clock;
  auto s = settings_with(clock);
  s.max_batch = 1000;  // the writer thread stays asleep: only the explicit flushes write
  s.max_queued = 20;
  auto table = std::make_unique<unreachable_table>();
  auto down = table->down;
  auto rows = table->rows;
  sent_message_index index(std::move(table), s);
  for (int i = 0; i < 10; ++i) index.remember(message("m" + std::to_string(i), t0));
  CHECK_THROWS(index.flush());
  CHECK(index.find("m0"));  // still queued: a bounce for it is still matched
  for (int i = 10; i < 25; ++i) index.remember(message("m" + std::to_string(i), t0));
  CHECK(index.forgotten() > 0);
  CHECK_FALSE(index.find("m0"));  // the oldest went first
  CHECK(index.find("m24"));
  down->store(false);
  index.flush();
  CHECK(rows->load() + index.forgotten() == 25);
  CHECK(index.written() == rows->load());
}

}  // namespace
}  // namespace mfrelay::relay
