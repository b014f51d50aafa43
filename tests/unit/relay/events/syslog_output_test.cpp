// Syslog output: RFC 5424 datagrams (PRI = mail facility * 8 + severity by
// event type, VERSION 1, timestamp, hostname, app-name, procid, msgid =
// eventType, no structured data, the JSON as MSG) to a UDP collector on
// 127.0.0.1 and to a unix datagram socket standing in for /dev/log.
#include <doctest/doctest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <regex>
#include <string>

#include "support/datagram_receiver.hpp"
#include "support/log_capture.hpp"
#include "relay/events/event_log.hpp"
#include "relay/events/syslog_message.hpp"
#include "support/temp_dir.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::chrono_literals;

struct parsed_syslog {
  int pri = -1;
  std::string version, timestamp, hostname, app, procid, msgid, structured_data, msg;
};

// Splits an RFC 5424 message; fails the test when it does not match the grammar.
parsed_syslog parse_5424(const std::string& text) {
  // PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD SP MSG
  static const std::regex grammar(R"(^<(\d{1,3})>(\d) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) )"
                                  R"(([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) (-) (.*)$)");
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_match(text, m, grammar), text);
  return {std::stoi(m[1]), m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9]};
}

boost::json::object event_of(std::string type) {
  return {{"eventType", std::move(type)}, {"detail", "caf\xc3\xa9 \"quoted\""}, {"session", nullptr}};
}

event_log udp_log(unsigned short port, std::string file = "") {
  policy::events_settings s;
  s.file = std::move(file);
  s.syslog = "udp:127.0.0.1:" + std::to_string(port);
  event_log_options o;
  o.hostname = "relay1.example.net";
  return event_log(s, o);
}

TEST_CASE("syslog: a UDP collector receives a well-formed RFC 5424 message") {
  test::datagram_receiver collector;
  event_log log = udp_log(collector.port());
  const auto event = event_of("Send");
  log.write(event);
  auto datagram = collector.receive();
  REQUIRE(datagram);
  CHECK(datagram->back() != '\n');  // one message per datagram, no framing
  auto m = parse_5424(*datagram);
  CHECK(m.pri == 2 * 8 + 6);  // mail.info
  CHECK(m.version == "1");
  CHECK(m.hostname == "relay1.example.net");
  CHECK(m.app == "mfrelay");
  CHECK(m.procid == std::to_string(::getpid()));
  CHECK(m.msgid == "Send");
  CHECK(m.structured_data == "-");
  CHECK(boost::json::parse(m.msg) == event);
}

TEST_CASE("syslog: severity follows the event type") {
  struct row {
    const char* type;
    int severity;
  };
  const row table[] = {
      {"Reject", 4},  {"Bounce", 4},   {"AuthFailure", 4},   {"MailFromDomainStatusChange", 5},
      {"Send", 6},    {"Delivery", 6}, {"DeliveryDelay", 6}, {"ConfigReload", 6},
  };
  test::datagram_receiver collector;
  event_log log = udp_log(collector.port());
  for (const auto& r : table) {
    CAPTURE(r.type);
    log.write(event_of(r.type));
    auto datagram = collector.receive();
    REQUIRE(datagram);
    auto m = parse_5424(*datagram);
    CHECK(m.pri == syslog_facility_mail * 8 + r.severity);
    CHECK(m.msgid == r.type);
    CHECK(static_cast<int>(event_severity(r.type)) == r.severity);
  }
}

TEST_CASE("syslog: \"local\" sends to the unix datagram socket (/dev/log)") {
  test::temp_dir dir;
  const std::string socket = dir.file("log.sock");
  test::datagram_receiver syslogd(socket);
  policy::events_settings s;
  s.file = dir.file("events.jsonl");
  s.syslog = "local";
  event_log_options o;
  o.syslog_socket = socket;
  o.hostname = "relay1";
  event_log log(s, o);
  const auto event = event_of("MailFromDomainStatusChange");
  log.write(event);
  auto datagram = syslogd.receive();
  REQUIRE(datagram);
  auto m = parse_5424(*datagram);
  CHECK(m.pri == 21);  // mail.notice
  CHECK(m.hostname == "relay1");
  CHECK(m.msgid == "MailFromDomainStatusChange");
  // Both outputs got the same event.
  auto lines = test::lines_of(s.file);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == m.msg);
  CHECK(boost::json::parse(m.msg) == event);
}

TEST_CASE("syslog: an absent syslog daemon is reported once, then found again") {
  test::log_capture captured;
  test::temp_dir dir;
  const std::string socket = dir.file("log.sock");
  policy::events_settings s;
  s.file = "";
  s.syslog = "local";
  event_log_options o;
  o.syslog_socket = socket;
  event_log log(s, o);
  for (int i = 0; i < 3; ++i) log.write(event_of("Send"));  // nobody listens: lost, never thrown
  CHECK(captured.count("event output syslog local: send") == 1);

  test::datagram_receiver syslogd(socket);  // the daemon (re)starts
  log.write(event_of("Delivery"));
  auto datagram = syslogd.receive();
  REQUIRE(datagram);
  CHECK(parse_5424(*datagram).msgid == "Delivery");
  CHECK(captured.count("works again (3 failures meanwhile)") == 1);
}

TEST_CASE("syslog: header fields keep to what RFC 5424 allows") {
  syslog_header h;
  h.hostname = "bad host\nname";
  h.app_name = "";
  h.procid = "42";
  const std::string msgid(40, 'M');
  auto text = rfc5424_message(h, policy::timestamp{std::chrono::milliseconds(1'700'000'000'123)}, msgid,
                              syslog_severity::warning, "{}");
  CHECK(text == "<20>1 2023-11-14T22:13:20.123Z badhostname - 42 " + std::string(32, 'M') + " - {}");
}

}  // namespace
}  // namespace mfrelay::relay
