// The recorder's on_transition hook, which the daemon points at the notifier:
// called once per transition, after it is stored and logged, with the same
// event the log got; not called for a check that changed nothing.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <mutex>

#include "relay/verification/verification_recorder.hpp"
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

state_write pending_write(bool with_transition) {
  state_write w;
  w.current.identity = "example.com";
  w.current.mail_from_domain = "mail.example.com";
  w.current.state = {policy::mail_from_status::pending, test::sample_t0};
  if (with_transition)
    w.transition = state_transition{"example.com", "mail.example.com", std::nullopt, policy::mail_from_status::pending,
                                    test::sample_t0, "MAIL FROM domain set to mail.example.com", ""};
  return w;
}

TEST_CASE("recorder: on_transition gets each stored transition's event, as logged") {
  test::temp_dir dir;
  live_view view;
  counting_store store;
  event_log events(dir.file("events.jsonl"));
  relay_metrics metrics;
  boost::asio::thread_pool store_thread(1);
  verification_recorder recorder(store, store_thread.get_executor(), view, events, metrics);
  std::mutex mutex;
  std::vector<boost::json::object> hooked;
  std::size_t stored_when_hooked = 0;
  recorder.on_transition([&](const std::string&, const boost::json::object& e) {
    std::lock_guard lock(mutex);
    hooked.push_back(e);
    stored_when_hooked = store.written;
  });

  boost::asio::io_context io;
  std::vector<state_write> writes{pending_write(true), pending_write(false)};
  auto done = boost::asio::co_spawn(io, recorder.apply(std::move(writes), {}), boost::asio::use_future);
  io.run();
  done.get();

  std::lock_guard lock(mutex);
  REQUIRE(hooked.size() == 1);  // the write without a transition is not announced
  CHECK(stored_when_hooked == 2);  // durable first
  CHECK(hooked[0].at("eventType") == "MailFromDomainStatusChange");
  CHECK(hooked[0].at("mailFromDomainStatusChange").at("status") == "Pending");
  auto lines = test::lines_of(dir.path() / "events.jsonl");
  REQUIRE(lines.size() == 1);
  CHECK(boost::json::parse(lines[0]) == hooked[0]);
  store_thread.join();
}

}  // namespace
}  // namespace mfrelay::relay
