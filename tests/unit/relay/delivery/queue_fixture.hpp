// What the delivery_queue tests share: a fake smarthost, a RAM spool that can be
// told to damage a message or fail reads, an observer that records every call, and
// short durations. Test code only; everything runs on the test's thread.
#pragma once
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fake_smarthost.hpp"
#include "policy/message_id.hpp"
#include "relay/common/clock.hpp"
#include "relay/delivery/delivery_events.hpp"
#include "relay/delivery/delivery_queue.hpp"
#include "relay/spool/ram_spool.hpp"
#include "relay/spool/spool_error.hpp"
#include "support/test_io.hpp"

namespace mfrelay::relay::test {

// A JSON string's text, so that a CHECK against it prints both sides.
inline std::string text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : "<not a string>";
}

// ram_spool, plus faults the delivery side must survive.
class faulty_spool final : public message_store {
 public:
  message_writer begin(std::string id) override { return inner.begin(std::move(id)); }
  boost::asio::awaitable<void> commit(message_writer&& writer, const envelope& env) override {
    return inner.commit(std::move(writer), env);
  }
  std::vector<envelope> recover() override { return inner.recover(); }
  std::optional<std::string> read_data(const std::string& id) override {
    ++reads[id];
    if (damaged.contains(id)) return std::nullopt;  // as the file spool does after quarantining it
    if (failing_reads > 0) {
      --failing_reads;
      throw spool_error(spool_error::io, "read " + id + ": Input/output error");
    }
    return inner.read_data(id);
  }
  void remove(const std::string& id) override {
    removed.push_back(id);
    inner.remove(id);
  }
  spool_stats stats(policy::timestamp now) const override { return inner.stats(now); }

  std::size_t depth() const { return inner.stats(relay::now()).depth; }

  ram_spool inner;
  std::set<std::string> damaged;
  int failing_reads = 0;
  std::map<std::string, int> reads;
  std::vector<std::string> removed;
};

struct recorded_event {
  std::string type;  // "Delivery", "DeliveryDelay", "Bounce", "Dropped"
  std::string id;
  delivery_attempt attempt;
  std::vector<recipient_outcome> recipients;
  std::string feedback_id;
  boost::json::object json;  // what the default observer would write
  std::chrono::steady_clock::time_point seen = std::chrono::steady_clock::now();

  std::vector<std::string> addresses() const {
    std::vector<std::string> out;
    for (const auto& o : recipients) out.push_back(o.address);
    return out;
  }
};

class recording_observer final : public delivery_observer {
 public:
  void on_delivery(const envelope& env, const delivery_attempt& attempt,
                   std::span<const recipient_outcome> delivered) override {
    record("Delivery", env, attempt, delivered, "", delivery_event(env, attempt, delivered));
  }
  void on_delay(const envelope& env, const delivery_attempt& attempt,
                std::span<const recipient_outcome> delayed) override {
    record("DeliveryDelay", env, attempt, delayed, "", delay_event(env, attempt, delayed));
  }
  void on_bounce(const envelope& env, const delivery_attempt& attempt, std::span<const recipient_outcome> bounced,
                 std::string_view feedback_id) override {
    record("Bounce", env, attempt, bounced, feedback_id, bounce_event(env, attempt, bounced, feedback_id));
  }
  void on_dropped(const envelope& env, std::string_view) override {
    recorded_event e;
    e.type = "Dropped";
    e.id = env.id;
    events.push_back(std::move(e));
  }

  std::size_t count(std::string_view type) const {
    std::size_t n = 0;
    for (const auto& e : events) n += e.type == type;
    return n;
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.type);
    return out;
  }

  std::vector<recorded_event> events;

 private:
  void record(std::string type, const envelope& env, const delivery_attempt& attempt,
              std::span<const recipient_outcome> recipients, std::string_view feedback_id, boost::json::object json) {
    recorded_event e;
    e.type = std::move(type);
    e.id = env.id;
    e.attempt = attempt;
    e.recipients.assign(recipients.begin(), recipients.end());
    e.feedback_id = std::string(feedback_id);
    e.json = std::move(json);
    events.push_back(std::move(e));
  }
};

inline std::string next_message_id() {
  static std::uint8_t counter = 0;
  std::array<std::uint8_t, 16> random{};
  random[15] = ++counter;
  random[0] = 0x5a;
  return policy::make_message_id(relay::now(), random);
}

inline envelope make_envelope(std::vector<std::string> recipients, policy::timestamp received = relay::now()) {
  envelope env;
  env.id = next_message_id();
  env.original_sender = "app@example.com";
  env.return_path = env.id + "@mail.example.com";
  env.recipients = std::move(recipients);
  env.received_at = received;
  env.metadata = R"({"mail":{"messageId":")" + env.id +
                 R"("},"policy":{"identity":"example.com","returnPath":"x"},"session":{"id":"s1"}})";
  return env;
}

// A loopback port with nothing listening (bound, then released).
inline std::uint16_t closed_port_for_queue(boost::asio::io_context& io) {
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

struct queue_fixture {
  boost::asio::io_context io;
  fake_smarthost smarthost{io};
  faulty_spool spool;
  recording_observer observer;
  std::unique_ptr<delivery_queue> queue;

  delivery_queue_settings settings() const {
    using namespace std::chrono_literals;
    delivery_queue_settings s;
    s.delivery.smarthost = {"127.0.0.1", smarthost.port()};
    s.delivery.retry_schedule = {200ms, 300ms};
    s.delivery.max_age = 1h;
    s.delivery.connections = 1;
    s.hostname = "relay.test";
    s.connect_timeout = 2s;
    s.command_timeout = 2s;
    s.data_timeout = 2s;
    s.idle_timeout = 300ms;
    s.stop_grace = 300ms;
    // Most tests count what reaches the smarthost and the events: no DSNs among
    // them. The bounce message tests turn this on.
    s.delivery.bounce_messages = false;
    return s;
  }

  envelope commit(std::vector<std::string> recipients, std::string content, policy::timestamp received = relay::now()) {
    envelope env = make_envelope(std::move(recipients), received);
    message_writer writer = spool.begin(env.id);
    writer.append(content);
    run_awaitable(io, spool.commit(std::move(writer), env));
    return env;
  }

  void start(delivery_queue_settings s) {
    queue = std::make_unique<delivery_queue>(io.get_executor(), spool, observer, std::move(s));
    queue->start();
  }

  void stop() {
    queue->stop();
    run_awaitable(io, queue->wait_stopped());
  }

  bool wait_for(std::size_t events, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    return run_until(
        io, [&] { return observer.events.size() >= events; }, limit);
  }

  ~queue_fixture() {
    if (!queue) return;
    queue->stop();
    bool stopped = false;
    boost::asio::co_spawn(io, queue->wait_stopped(), [&](std::exception_ptr) { stopped = true; });
    run_until(
        io, [&] { return stopped; }, std::chrono::seconds(5));
  }
};

}  // namespace mfrelay::relay::test
