// The one place that decides soft vs hard: every stage against every kind of reply
// and I/O error, as a table.
#include "relay/delivery/delivery_trouble.hpp"

#include <doctest/doctest.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <string>
#include <vector>

#include "relay/delivery/reply_parser.hpp"

namespace mfrelay::relay {
namespace {

upstream_reply reply(std::string text) {
  auto parsed = parse_reply(text + "\r\n");
  REQUIRE(parsed.status == reply_status::complete);
  return parsed.reply;
}

using enum recipient_fate;
// smtp_stage's names are brought in per test case, not here: the unity build
// shares this file scope with the files after it (where `greeting` is a banner).

TEST_CASE("judge_reply: table") {
  using enum smtp_stage;
  struct row {
    smtp_stage stage;
    std::string text;
    recipient_fate fate;
    std::string status;
    bool drop;
  };
  const std::vector<row> rows = {
      {end_of_data, "250 2.0.0 Ok: queued as X", delivered, "2.0.0", false},
      {end_of_data, "250 Ok", delivered, "2.0.0", false},
      {mail, "451 4.3.0 try later", deferred, "4.3.0", false},
      {rcpt, "450 4.2.0 greylisted", deferred, "4.2.0", false},
      {rcpt, "452 4.2.2 mailbox full", deferred, "4.2.2", false},
      {rcpt, "550 5.1.1 unknown user", bounced, "5.1.1", false},
      {rcpt, "553 no such user", bounced, "5.0.0", false},
      {rcpt, "552 5.5.3 too many recipients", deferred, "4.5.3", false},  // RFC 5321 4.5.3.1.10
      {mail, "550 5.7.1 sender rejected", bounced, "5.7.1", false},
      {mail, "550 4.7.1 mismatched class", bounced, "5.0.0", false},
      {data, "554 5.5.1 no valid recipients", bounced, "5.5.1", false},
      {end_of_data, "552 5.3.4 message too big", bounced, "5.3.4", false},
      {end_of_data, "451 4.3.0 queue file write error", deferred, "4.3.0", false},
      {end_of_data, "554 5.7.1 spam", bounced, "5.7.1", false},
      // 421 at any step: soft, and the server is leaving.
      {greeting, "421 4.3.2 busy", deferred, "4.3.2", true},
      {rcpt, "421 closing", deferred, "4.0.0", true},
      {end_of_data, "421 4.4.2 timeout", deferred, "4.4.2", true},
      // 5xx about the session, not the message: soft.
      {greeting, "554 5.7.1 no relaying for you", deferred, "4.0.0", false},
      {helo, "550 5.7.1 go away", deferred, "4.0.0", false},
      {starttls, "554 5.3.3 TLS not available", deferred, "4.0.0", false},
      {rset, "502 5.5.2 no", deferred, "4.0.0", false},
      // Out-of-place classes: a protocol error, soft, and the session is dropped.
      {mail, "354 go ahead", deferred, "4.5.0", true},
      {data, "250 Ok", deferred, "4.5.0", true},
      {end_of_data, "354 more", deferred, "4.5.0", true},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    CAPTURE(describe(r.stage));
    auto v = judge_reply(r.stage, reply(r.text));
    CHECK(v.fate == r.fate);
    CHECK(v.status == r.status);
    CHECK(v.drop_session == r.drop);
    CHECK(v.reply == reply(r.text).summary());
    if (v.fate == bounced) CHECK(v.bounce_type == "Permanent");
    if (v.fate == deferred) CHECK_FALSE(v.delay_type.empty());
  }
}

TEST_CASE("judge_reply: the diagnostic quotes the server as SES does") {
  using enum smtp_stage;
  auto v = judge_reply(rcpt, reply("550 5.1.1 <nobody@example.com>: Recipient address rejected"));
  CHECK(v.diagnostic == "smtp; 550 5.1.1 <nobody@example.com>: Recipient address rejected");
  CHECK(judge_reply(rcpt, reply("452 4.2.2 Over quota")).delay_type == "MailboxFull");
  CHECK(judge_reply(mail, reply("451 4.3.0 later")).delay_type == "General");
}

TEST_CASE("is_success per stage") {
  using enum smtp_stage;
  CHECK(is_success(greeting, reply("220 hi")));
  CHECK_FALSE(is_success(greeting, reply("250 hi")));
  CHECK(is_success(starttls, reply("220 go")));
  CHECK(is_success(data, reply("354 go")));
  CHECK_FALSE(is_success(data, reply("250 Ok")));
  CHECK(is_success(rcpt, reply("251 will forward")));
  CHECK(is_success(helo, reply("250 hi")));
  CHECK_FALSE(is_success(mail, reply("354 what")));
}

TEST_CASE("judge_io_error: always soft, the session is gone") {
  using enum smtp_stage;
  namespace error = boost::asio::error;
  const std::string peer = "smarthost[127.0.0.1]:25";
  struct row {
    smtp_stage stage;
    boost::system::error_code ec;
    std::string status;
    std::string diagnostic;
  };
  const std::vector<row> rows = {
      {connect, error::connection_refused, "4.4.1", "connect to smarthost[127.0.0.1]:25: Connection refused"},
      {connect, boost::beast::error::timeout, "4.4.1", "connect to smarthost[127.0.0.1]:25: Connection timed out"},
      {greeting, boost::beast::error::timeout, "4.4.2",
       "conversation with smarthost[127.0.0.1]:25 timed out while receiving the initial server greeting"},
      {rcpt, error::eof, "4.4.2", "lost connection with smarthost[127.0.0.1]:25 while sending RCPT TO"},
      {body, error::connection_reset, "4.4.2",
       "lost connection with smarthost[127.0.0.1]:25 while sending message body"},
      {end_of_data, boost::asio::ssl::error::stream_truncated, "4.4.2",
       "lost connection with smarthost[127.0.0.1]:25 while sending end of data -- message may be sent more than once"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.diagnostic);
    auto v = judge_io_error(r.stage, r.ec, peer);
    CHECK(v.fate == deferred);
    CHECK(v.drop_session);
    CHECK(v.status == r.status);
    CHECK(v.diagnostic == r.diagnostic);
    CHECK(v.delay_type == "TransientCommunicationFailure");
  }
  auto tls = judge_io_error(tls_handshake, error::eof, peer);
  CHECK(tls.fate == deferred);
  CHECK(tls.status == "4.7.5");
}

TEST_CASE("local verdicts") {
  using enum smtp_stage;
  auto not_offered = judge_tls_not_offered("h[1.2.3.4]:25");
  CHECK(not_offered.fate == deferred);
  CHECK(not_offered.status == "4.7.4");
  CHECK(not_offered.diagnostic == "TLS required but not offered by h[1.2.3.4]:25");

  auto big = judge_too_big(2000, 1000, "h:25");
  CHECK(big.fate == bounced);
  CHECK(big.status == "5.3.4");
  CHECK(judge_smtputf8_not_offered("h:25").status == "5.6.7");
  CHECK(judge_bad_address(true).status == "5.1.7");
  CHECK(judge_bad_address(false).status == "5.1.3");

  auto local = judge_local_error("disk on fire");
  CHECK(local.fate == deferred);
  CHECK(local.delay_type == "InternalFailure");

  auto last = judge_reply(rcpt, reply("451 4.3.0 try again"));
  auto expired = judge_expired(last);
  CHECK(expired.fate == bounced);
  CHECK(expired.bounce_type == "Transient");
  CHECK(expired.status == "4.4.7");
  CHECK(expired.diagnostic == last.diagnostic);
}

}  // namespace
}  // namespace mfrelay::relay
