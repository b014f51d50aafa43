// The recorder: a check is durable in the store before the snapshot shows it,
// every transition becomes one MailFromDomainStatusChange event, and a
// report for a MAIL FROM domain no longer configured is dropped.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <fstream>
#include <stdexcept>

#include "relay/verification/verification_recorder.hpp"
#include "support/temp_dir.hpp"
#include "support/fixed_time.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;
using test::t0;

// A state store in RAM that can be told to fail, and remembers what the
// snapshot showed at the moment of each write (it must not show it yet).
class ram_store final : public state_store {
 public:
  explicit ram_store(live_view& view) : view_(view) {}
  std::vector<stored_state> load_all() override { return rows; }
  void write(const std::vector<state_write>& writes) override {
    if (fail) throw std::runtime_error("disk I/O error");
    for (const auto& w : writes) {
      seen_before_write.push_back(view_.states()->find(w.current.identity, w.current.mail_from_domain));
      rows.push_back(w.current);
    }
  }
  void remove(const std::vector<std::string>& identities) override {
    for (const auto& id : identities) std::erase_if(rows, [&](const stored_state& s) { return s.identity == id; });
  }
  std::vector<state_transition> history(const std::string&, std::size_t) override { return {}; }

  std::vector<stored_state> rows;
  std::vector<std::optional<policy::verification_state>> seen_before_write;
  bool fail = false;

 private:
  live_view& view_;
};

dns::check_report report(policy::mail_from_status before, policy::mail_from_status after, std::string domain) {
  dns::check_report r;
  r.identity = "example.com";
  r.mail_from_domain = std::move(domain);
  r.before = {before, t0};
  r.transition.state = {after, before == after ? t0 : t0 + 1min};
  r.transition.changed = before != after;
  r.evidence.result = policy::check_result::pass;
  r.evidence.reason = "exactly one MX: 10 feedback-smtp.us-west-2.amazonses.com";
  r.evidence.spf = policy::spf_status::ok;
  r.answers.mx = {policy::dns_outcome::ok, {{10, "feedback-smtp.us-west-2.amazonses.com"}}};
  r.checked_at = t0 + 1min;
  return r;
}

struct fixture {
  test::temp_dir dir;
  live_view view;
  ram_store store{view};
  event_log events{(dir.path() / "events.jsonl").string()};
  boost::asio::thread_pool store_thread{1};
  relay_metrics metrics;
  verification_recorder recorder{store, store_thread.get_executor(), view, events, metrics};
  boost::asio::io_context io;

  fixture() {
    policy::config cfg;
    policy::identity id;
    id.name = "example.com";
    id.mail_from_domain = "mail.example.com";
    cfg.identities.add(id);
    view.set_config(std::make_shared<const policy::config>(std::move(cfg)));
  }
  // Runs record() to completion; rethrows what it threw.
  void record(const dns::check_report& r) {
    auto done = boost::asio::co_spawn(io, recorder.record(r), boost::asio::use_future);
    io.run();
    io.restart();
    done.get();
  }
  void apply(std::vector<state_write> writes, std::vector<std::string> removed) {
    auto done = boost::asio::co_spawn(io, recorder.apply(std::move(writes), std::move(removed)), boost::asio::use_future);
    io.run();
    io.restart();
    done.get();
  }
  std::vector<boost::json::value> event_lines() {
    std::ifstream in(dir.path() / "events.jsonl");
    std::vector<boost::json::value> out;
    for (std::string line; std::getline(in, line);) out.push_back(boost::json::parse(line));
    return out;
  }
};

TEST_CASE("a transition is stored, then shown, then announced") {
  fixture f;
  f.record(report(policy::mail_from_status::pending, policy::mail_from_status::success, "mail.example.com"));
  REQUIRE(f.store.rows.size() == 1);
  CHECK_FALSE(f.store.seen_before_write[0]);  // the snapshot did not show Success before the write
  CHECK(f.view.states()->status_of("example.com", "mail.example.com") == policy::mail_from_status::success);
  auto events = f.event_lines();
  REQUIRE(events.size() == 1);
  const auto& e = events[0].as_object();
  CHECK(e.at("eventType") == "MailFromDomainStatusChange");
  CHECK(e.at("mailFromDomainStatusChange").at("previousStatus") == "Pending");
  CHECK(e.at("mailFromDomainStatusChange").at("status") == "Success");
  CHECK(e.at("mailFromDomainStatusChange").at("dns").at("mx").at("records").as_array()[0] ==
        "10 feedback-smtp.us-west-2.amazonses.com");
  CHECK(e.at("policy").at("behaviorOnMxFailure") == "UseDefaultValue");
  CHECK(f.recorder.current("example.com")->last_outcome == "pass");
}

TEST_CASE("a check without a transition is stored but not announced") {
  fixture f;
  f.record(report(policy::mail_from_status::pending, policy::mail_from_status::pending, "mail.example.com"));
  CHECK(f.store.rows.size() == 1);
  CHECK(f.event_lines().empty());
}

TEST_CASE("a store failure leaves the snapshot alone and reaches the verifier") {
  fixture f;
  f.store.fail = true;
  CHECK_THROWS_WITH(
      f.record(report(policy::mail_from_status::pending, policy::mail_from_status::success, "mail.example.com")),
      "disk I/O error");
  CHECK(f.view.states()->status_of("example.com", "mail.example.com") == policy::mail_from_status::pending);
  CHECK(f.event_lines().empty());
}

TEST_CASE("a report for a MAIL FROM domain no longer configured is dropped") {
  fixture f;
  f.record(report(policy::mail_from_status::pending, policy::mail_from_status::success, "old.example.com"));
  CHECK(f.store.rows.empty());
  CHECK(f.event_lines().empty());
}

TEST_CASE("current() and all() read the store; a removal takes the identity out of the snapshot") {
  fixture f;
  f.record(report(policy::mail_from_status::pending, policy::mail_from_status::success, "mail.example.com"));
  REQUIRE(f.recorder.current("example.com"));
  CHECK(f.recorder.current("example.com")->state.status == policy::mail_from_status::success);
  // No copy of the store is kept: what the store holds is what is read.
  f.store.rows[0].reason = "edited in the store";
  CHECK(f.recorder.current("example.com")->reason == "edited in the store");
  CHECK(f.recorder.all().size() == 1);

  f.apply({}, {"example.com"});
  CHECK_FALSE(f.view.states()->find("example.com", "mail.example.com"));
  CHECK_FALSE(f.recorder.current("example.com"));
  CHECK(f.recorder.all().empty());
}

state_write pending_write(std::string identity, std::string domain) {
  state_write w;
  w.current.identity = std::move(identity);
  w.current.mail_from_domain = std::move(domain);
  w.current.state = {policy::mail_from_status::pending, t0};
  return w;
}

TEST_CASE("new settings at Pending are stored without growing the snapshot; a Pending over a known state is shown") {
  fixture f;
  std::vector<state_write> writes;
  for (int i = 0; i < 3000; ++i) writes.push_back(pending_write("d" + std::to_string(i) + ".example", "mail.d.example"));
  f.apply(std::move(writes), {});
  CHECK(f.store.rows.size() == 3000);  // durable, every one
  // A decision reads Pending for each (as for no entry), and no shard was copied for them.
  CHECK(f.view.states()->size() == 0);
  CHECK(f.view.states()->status_of("d7.example", "mail.d.example") == policy::mail_from_status::pending);

  // Success, then Pending again (a setting made again after Failed): the snapshot must follow.
  f.record(report(policy::mail_from_status::pending, policy::mail_from_status::success, "mail.example.com"));
  CHECK(f.view.states()->status_of("example.com", "mail.example.com") == policy::mail_from_status::success);
  std::vector<state_write> again;
  again.push_back(pending_write("example.com", "mail.example.com"));
  f.apply(std::move(again), {});
  CHECK(f.view.states()->status_of("example.com", "mail.example.com") == policy::mail_from_status::pending);
}

}  // namespace
}  // namespace mfrelay::relay

namespace mfrelay::relay {
namespace {

TEST_CASE("a DKIM recorder beside the MAIL FROM one: its own store, the snapshot's dkim states, DkimStatusChange events") {
  fixture f;
  {  // example.com signs
    policy::config cfg = *f.view.config();
    policy::identity id = *cfg.identities.find("example.com");
    id.dkim = true;
    policy::config next;
    next.identities.add(id);
    f.view.set_config(std::make_shared<const policy::config>(std::move(next)));
  }
  ram_store dkim_store{f.view};
  verification_recorder dkim{dkim_store, f.store_thread.get_executor(), f.view, f.events, f.metrics,
                             verification_kind::dkim};
  f.record(report(policy::mail_from_status::pending, policy::mail_from_status::success, "mail.example.com"));

  dns::check_report r;
  r.identity = "example.com";
  r.mail_from_domain = "a b c";
  r.before = {policy::mail_from_status::pending, t0};
  r.transition = {{policy::mail_from_status::success, t0 + 2min}, true, policy::next_check::regular};
  r.evidence.result = policy::check_result::pass;
  r.evidence.reason = "all 3 DKIM records carry the key";
  r.answers.selector_names = {"a._domainkey.example.com"};
  r.answers.selectors = {{policy::dns_outcome::ok, {"v=DKIM1; p=KEY"}}};
  r.checked_at = t0 + 2min;
  auto done = boost::asio::co_spawn(f.io, dkim.record(r), boost::asio::use_future);
  f.io.run();
  f.io.restart();
  done.get();

  CHECK(f.store.rows.size() == 1);  // the MAIL FROM store got nothing more
  REQUIRE(dkim_store.rows.size() == 1);
  CHECK(dkim_store.rows[0].mail_from_domain == "a b c");
  auto states = f.view.states();
  CHECK(states->dkim_state("example.com")->status == policy::mail_from_status::success);
  CHECK(states->status_of("example.com", "mail.example.com") == policy::mail_from_status::success);  // kept

  auto events = f.event_lines();
  REQUIRE(events.size() == 2);
  const auto& e = events[1].as_object();
  CHECK(e.at("eventType") == "DkimStatusChange");
  CHECK(e.at("dkimStatusChange").at("previousStatus") == "PENDING");
  CHECK(e.at("dkimStatusChange").at("status") == "SUCCESS");
  CHECK(e.at("dkimStatusChange").at("tokens") == boost::json::array{"a", "b", "c"});
  CHECK(e.at("dkimStatusChange").at("dns").at("dkim").as_array()[0].at("records").as_array()[0] == "v=DKIM1; p=KEY");

  // A MAIL FROM removal rebuilds its snapshot from its store: the DKIM states stay.
  f.apply({}, {"example.com"});
  CHECK(f.view.states()->dkim_state("example.com")->status == policy::mail_from_status::success);
}

}  // namespace
}  // namespace mfrelay::relay
