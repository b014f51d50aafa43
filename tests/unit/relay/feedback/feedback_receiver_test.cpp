// The feedback receiver: which recipients the feedback listener takes, and
// what a report becomes (a Bounce or Complaint event with the original
// message's objects, and the outcome the suppression list will get, with
// `suppressible` only for permanent bounces and complaints of recipients the
// message was sent to).
#include <doctest/doctest.h>

#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "relay/common/clock.hpp"
#include "relay/feedback/feedback_receiver.hpp"
#include "relay/spool/ram_spool.hpp"
#include "sample_file.hpp"
#include "support/temp_dir.hpp"
#include "support/test_io.hpp"

namespace mfrelay::relay {
namespace {

namespace json = boost::json;

const std::string id = "0100019c0a1b2c3d-00000000-0000-0000-0000-000000000001-000000";

struct memory_output final : event_output {
  std::vector<std::string>& lines;
  explicit memory_output(std::vector<std::string>& l) : lines(l) {}
  void write(std::string_view text, std::string_view) noexcept override { lines.emplace_back(text); }
};

policy::config config_with_identity() {
  policy::config cfg;
  policy::identity i;
  i.name = "example.com";
  i.mail_from_domain = "mail.example.com";
  cfg.identities.add(i);
  return cfg;
}

struct fixture {
  test::temp_dir dir;
  sent_message_index index{(dir.path() / "state.db").string(), {}};
  std::vector<std::string> lines;
  event_log events{[this] {
    std::vector<std::unique_ptr<event_output>> outputs;
    outputs.push_back(std::make_unique<memory_output>(lines));
    return outputs;
  }()};
  std::vector<json::object> published;
  std::vector<feedback_outcome> outcomes;
  feedback_receiver receiver{events, index, [this](const json::object& e) { published.push_back(e); },
                             [this](const feedback_outcome& o) { outcomes.push_back(o); }};
  std::shared_ptr<policy::config> cfg = std::make_shared<policy::config>(config_with_identity());
  boost::asio::io_context io;
  ram_spool spool;
  std::vector<envelope> forwarded;
  session_info session{"s1", "192.0.2.7", "mx", "", ""};

  std::size_t receive(std::string report, const std::string& rcpt) {
    return test::run_awaitable(io, receiver.receive(std::move(report), {address(rcpt)}, session, cfg));
  }

  fixture() {
    receiver.set_forwarding(spool, [this](const envelope& e) { forwarded.push_back(e); });
    sent_message m;
    m.message_id = id;
    m.identity = "example.com";
    m.mail_from_domain = "mail.example.com";
    m.source = "app@example.com";
    m.from = "app@example.com";
    m.recipients = {"nobody@example.net", "complainer@yahoo.com"};
    m.sent_at = now();  // the index answers within the retention of the wall clock
    m.metadata = R"({"mail":{"messageId":")" + id + R"(","source":"app@example.com"},"policy":{"identity":"example.com"},"session":{"listener":"submission"}})";
    index.remember(m);
  }

  static policy::email_address address(const std::string& text) {
    auto at = text.find('@');
    return {text.substr(0, at), text.substr(at + 1)};
  }
};

TEST_CASE("only <issued id>@<its MAIL FROM domain> is taken") {
  fixture f;
  CHECK_FALSE(f.receiver.check_recipient(fixture::address(id + "@mail.example.com"), *f.cfg));
  CHECK_FALSE(f.receiver.check_recipient(fixture::address(id + "@MAIL.example.com"), *f.cfg));
  auto refused = f.receiver.check_recipient(fixture::address("victim@dest.example"), *f.cfg);
  REQUIRE(refused);
  CHECK(refused->code == 550);
  CHECK(refused->enhanced == "5.1.1");
  CHECK(refused->text == "<victim@dest.example>: Recipient address rejected");
  std::string unknown = "0100019c0a1b2c3d-00000000-0000-0000-0000-000000000002-000000";
  CHECK(f.receiver.check_recipient(fixture::address(unknown + "@mail.example.com"), *f.cfg));
  CHECK(f.receiver.check_recipient(fixture::address(id + "@other.example"), *f.cfg));
  // The default domain: only when the operator says it owns it, and only for ids issued on it.
  CHECK(f.receiver.check_recipient(fixture::address(id + "@us-west-2.amazonses.com"), *f.cfg));
  f.cfg->feedback.accept_default_domain = true;
  CHECK(f.receiver.check_recipient(fixture::address(id + "@us-west-2.amazonses.com"), *f.cfg));  // issued on mail.
}

// The sent-message index's table when its database is away.
struct unreadable_table final : sent_message_table {
  void write(const std::vector<sent_message>&) override { throw std::runtime_error("not connected"); }
  std::size_t prune(policy::timestamp) override { return 0; }
  std::optional<sent_message> find(const std::string&, policy::timestamp) override {
    throw std::runtime_error("not connected");
  }
};

TEST_CASE("an index that cannot be read answers 451 for an issued-looking address, not 550") {
  fixture f;
  sent_message_index away(std::make_unique<unreadable_table>(), {});
  feedback_receiver receiver{f.events, away, [](const json::object&) {}, [](const feedback_outcome&) {}};
  std::string other = "0100019c0a1b2c3d-00000000-0000-0000-0000-000000000002-000000";
  auto later = receiver.check_recipient(fixture::address(other + "@mail.example.com"), *f.cfg);
  REQUIRE(later);
  CHECK(later->code == 451);
  CHECK(later->enhanced == "4.3.0");
  // Not one of ours at all: refused at once, the index is not asked.
  auto refused = receiver.check_recipient(fixture::address("victim@dest.example"), *f.cfg);
  REQUIRE(refused);
  CHECK(refused->code == 550);
}

TEST_CASE("a Postfix DSN becomes a Permanent NoEmail Bounce, suppressible for the recipient it was sent to") {
  fixture f;
  std::string report = test::with_crlf(test::sample("postfix-error-5.1.1.eml"));
  CHECK(f.receive(report, id + "@mail.example.com") == 1);
  REQUIRE(f.lines.size() == 1);
  json::object e = json::parse(f.lines[0]).as_object();
  CHECK(e["eventType"] == "Bounce");
  CHECK(e["mail"].as_object()["messageId"].as_string() == id);
  CHECK(e["policy"].as_object()["identity"] == "example.com");
  CHECK(e["session"].as_object()["listener"] == "submission");
  CHECK(e["feedbackSession"].as_object()["listener"] == "mx");
  auto& bounce = e["bounce"].as_object();
  CHECK(bounce["bounceType"] == "Permanent");
  CHECK(bounce["bounceSubType"] == "NoEmail");
  CHECK(bounce["remoteMtaIp"] == "192.0.2.7");
  CHECK(bounce["bouncedRecipients"].as_array()[0].as_object()["emailAddress"] == "nobody@example.net");
  CHECK(f.published.size() == 1);
  REQUIRE(f.outcomes.size() == 1);
  CHECK(f.outcomes[0].kind == feedback_outcome_kind::bounce);
  CHECK(f.outcomes[0].source == "app@example.com");
  REQUIRE(f.outcomes[0].recipients.size() == 1);
  CHECK(f.outcomes[0].recipients[0].suppressible);
}

TEST_CASE("a complaint is suppressible; a transient bounce, a delay and an auto-reply are not") {
  fixture f;
  CHECK(f.receive(test::with_crlf(test::sample("arf-yahoo.eml")), id + "@mail.example.com") == 1);
  REQUIRE(f.outcomes.size() == 1);
  CHECK(f.outcomes[0].kind == feedback_outcome_kind::complaint);
  REQUIRE(f.outcomes[0].recipients.size() == 1);
  CHECK(f.outcomes[0].recipients[0].email_address == "complainer@yahoo.com");
  CHECK(f.outcomes[0].recipients[0].suppressible);
  json::object e = json::parse(f.lines[0]).as_object();
  CHECK(e["eventType"] == "Complaint");
  CHECK(e["complaint"].as_object()["complaintFeedbackType"] == "abuse");

  CHECK(f.receive(test::with_crlf(test::sample("exchange-ndr-mailbox-full.eml")), id + "@mail.example.com") == 1);
  REQUIRE(f.outcomes.size() == 2);
  for (const auto& r : f.outcomes[1].recipients) CHECK_FALSE(r.suppressible);

  CHECK(f.receive(test::with_crlf(test::sample("postfix-delayed.eml")), id + "@mail.example.com") == 0);
  CHECK(f.receive(test::with_crlf(test::sample("vacation-auto-reply.eml")), id + "@mail.example.com") == 0);
  CHECK(f.lines.size() == 2);
  CHECK(f.outcomes.size() == 2);
}

TEST_CASE("a permanent bounce naming someone the message never went to suppresses nobody") {
  fixture f;
  std::string report = test::with_crlf(test::sample("postfix-error-5.1.1.eml"));
  for (std::string from = "nobody@example.net"; auto pos = report.find(from);) {
    if (pos == std::string::npos) break;
    report.replace(pos, from.size(), "ceo@third.example");
  }
  CHECK(f.receive(report, id + "@mail.example.com") == 1);
  REQUIRE(f.outcomes.size() == 1);
  REQUIRE(f.outcomes[0].recipients.size() == 1);
  CHECK(f.outcomes[0].recipients[0].email_address == "ceo@third.example");
  CHECK_FALSE(f.outcomes[0].recipients[0].suppressible);
}

TEST_CASE("a report is forwarded to the application's sender from <>, keeping its MIME structure") {
  fixture f;
  CHECK(f.receive(test::with_crlf(test::sample("postfix-error-5.1.1.eml")), id + "@mail.example.com") == 1);
  REQUIRE(f.forwarded.size() == 1);
  const envelope& env = f.forwarded[0];
  CHECK(env.return_path.empty());
  CHECK(env.original_sender.empty());
  CHECK(env.recipients == std::vector<std::string>{"app@example.com"});
  auto data = f.spool.read_data(env.id);
  REQUIRE(data);
  CHECK(data->find("To: <app@example.com>\r\n") != std::string::npos);
  CHECK(data->find("Auto-Submitted: auto-replied\r\n") != std::string::npos);
  CHECK(data->find("X-Mfrelay-Original-Message-Id: " + id + "\r\n") != std::string::npos);
  CHECK(data->find("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=") != std::string::npos);
  CHECK(data->find("Final-Recipient: rfc822; nobody@example.net") != std::string::npos);
  // The report's own routing headers are not copied: it goes only where we address it.
  CHECK(data->find("To: 0100019c") == std::string::npos);
}

TEST_CASE("a sender on one of our MAIL FROM domains gets no forward: it would come back as a report") {
  fixture f;
  const std::string other = "0100019c0a1b2c3d-00000000-0000-0000-0000-000000000003-000000";
  sent_message m = *f.index.find(id);
  m.message_id = other;
  m.source = "0100019c0a1b2c3d-00000000-0000-0000-0000-000000000009-000000@mail.example.com";
  f.index.remember(m);
  CHECK(f.receive(test::with_crlf(test::sample("postfix-error-5.1.1.eml")), other + "@mail.example.com") == 1);
  CHECK(f.lines.size() == 1);
  CHECK(f.forwarded.empty());
}

TEST_CASE("forward_feedback = false on the identity: events, no forward") {
  fixture f;
  policy::config cfg;
  policy::identity i;
  i.name = "example.com";
  i.mail_from_domain = "mail.example.com";
  i.forward_feedback = false;
  cfg.identities.add(i);
  f.cfg = std::make_shared<policy::config>(std::move(cfg));
  CHECK(f.receive(test::with_crlf(test::sample("arf-yahoo.eml")), id + "@mail.example.com") == 1);
  CHECK(f.lines.size() == 1);
  CHECK(f.forwarded.empty());
  CHECK(f.spool.stats(now()).depth == 0);
}

}  // namespace
}  // namespace mfrelay::relay
