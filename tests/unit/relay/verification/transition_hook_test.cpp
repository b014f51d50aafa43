// The recorder's on_transitions hook, which the daemon points at the notifier
// and the DMARC reader: called once per group commit with its transitions,
// after they are stored and logged, with the same events the log got; a write
// that changed nothing is not among them.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <mutex>

#include "relay/verification/verification_recorder.hpp"
#include "support/log_capture.hpp"
#include "support/status_change_sample.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay {
namespace {

class counting_store final : public state_store {
 public:
  std::vector<stored_state> load_all() override { return {}; }
  void write(const std::vector<state_write>& writes) override { written += writes.size(); }
  void remove(const std::vector<std::string>&) override {}
  std::vector<state_transition> history(const std::string&, std::size_t) override { return {}; }
  std::size_t written = 0;
};

state_write new_setting(const std::string& identity, bool with_transition = true) {
  state_write w;
  w.current.identity = identity;
  w.current.mail_from_domain = "mail." + identity;
  w.current.state = {policy::mail_from_status::pending, test::sample_t0};
  if (with_transition)
    w.transition = state_transition{identity, "mail." + identity, std::nullopt, policy::mail_from_status::pending,
                                    test::sample_t0, "MAIL FROM domain set to mail." + identity, ""};
  return w;
}

// The recorder on its own store thread, with what its hook was given.
struct hooked_recorder {
  test::temp_dir dir;
  live_view view;
  counting_store store;
  event_log events{dir.file("events.jsonl")};
  relay_metrics metrics;
  boost::asio::thread_pool store_thread{1};
  verification_recorder recorder{store, store_thread.get_executor(), view, events, metrics};
  std::mutex mutex;
  std::vector<std::vector<std::string>> calls;  // the identities of each call
  std::vector<boost::json::object> hooked;
  std::size_t stored_when_hooked = 0;

  hooked_recorder() {
    recorder.on_transitions([this](const std::vector<std::string>& identities, std::span<const boost::json::object> e) {
      std::lock_guard lock(mutex);
      calls.push_back(identities);
      hooked.insert(hooked.end(), e.begin(), e.end());
      stored_when_hooked = store.written;
    });
  }
  ~hooked_recorder() { store_thread.join(); }

  void apply(std::vector<state_write> writes) {
    boost::asio::io_context io;
    auto done = boost::asio::co_spawn(io, recorder.apply(std::move(writes), {}), boost::asio::use_future);
    io.run();
    done.get();
  }
};

TEST_CASE("recorder: on_transitions gets each stored transition's event, as logged") {
  hooked_recorder r;
  r.apply({new_setting("example.com"), new_setting("example.com", false)});

  std::lock_guard lock(r.mutex);
  REQUIRE(r.calls.size() == 1);
  CHECK(r.calls[0] == std::vector<std::string>{"example.com"});
  REQUIRE(r.hooked.size() == 1);  // the write without a transition is not announced
  CHECK(r.stored_when_hooked == 2);  // durable first
  CHECK(r.hooked[0].at("eventType") == "MailFromDomainStatusChange");
  CHECK(r.hooked[0].at("mailFromDomainStatusChange").at("status") == "Pending");
  auto lines = test::lines_of(r.dir.path() / "events.jsonl");
  REQUIRE(lines.size() == 1);
  CHECK(boost::json::parse(lines[0]) == r.hooked[0]);
}

TEST_CASE("recorder: a commit of many transitions logs one line per kind of change, and every event") {
  test::log_capture log;
  hooked_recorder r;
  std::vector<state_write> writes;
  std::vector<std::string> identities;
  for (int i = 0; i < 20; ++i) {
    identities.push_back("d" + std::to_string(i) + ".example");
    writes.push_back(new_setting(identities.back()));
  }
  r.apply(std::move(writes));

  std::lock_guard lock(r.mutex);
  REQUIRE(r.calls.size() == 1);  // once for the commit
  CHECK(r.calls[0] == identities);
  auto lines = test::lines_of(r.dir.path() / "events.jsonl");
  REQUIRE(lines.size() == 20);
  for (std::size_t i = 0; i < lines.size(); ++i) CHECK(boost::json::parse(lines[i]) == r.hooked[i]);
  CHECK(log.count("info MAIL FROM domains of 20 identities changed: 20 (new) -> Pending") == 1);
  CHECK(log.count("info MAIL FROM domain mail.d") == 0);
  CHECK(log.count("debug MAIL FROM domain mail.d") == 20);  // each identity, at debug
}

TEST_CASE("recorder: a commit of a few transitions logs each") {
  test::log_capture log;
  hooked_recorder r;
  r.apply({new_setting("a.example"), new_setting("b.example")});
  CHECK(log.count("info MAIL FROM domain mail.a.example of a.example: (new) -> Pending") == 1);
  CHECK(log.count("info MAIL FROM domain mail.b.example of b.example: (new) -> Pending") == 1);
  CHECK(log.count("identities changed") == 0);
}

}  // namespace
}  // namespace mfrelay::relay
