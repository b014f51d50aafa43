// MAIL FROM / RCPT TO arguments: paths, <>, parameters, SMTPUTF8, and the
// exact reply for every refusal (SES texts where SES has one).
#include <doctest/doctest.h>

#include <string>

#include "relay/smtp/envelope_arguments.hpp"
#include "relay/smtp/reply_renderer.hpp"

namespace mfrelay::relay::smtp {
namespace {

std::string wire(const policy::smtp_reply& r) { return render_reply(r, true); }

TEST_CASE("MAIL FROM arguments that are accepted") {
  struct row {
    std::string argument;
    std::string sender;  // empty: <>
    std::optional<std::uint64_t> size;
    body_type body = body_type::unspecified;
    bool smtputf8 = false;
  };
  const row rows[] = {
      {"FROM:<a@example.com>", "a@example.com", {}},
      {"from:<a@Example.COM>", "a@example.com", {}},
      {"FROM: <a@example.com>", "a@example.com", {}},
      {"FROM:<>", "", {}},
      {"FROM:<a@example.com> SIZE=1000", "a@example.com", 1000},
      {"FROM:<a@example.com> SIZE=0", "a@example.com", 0},
      {"FROM:<a@example.com> BODY=8BITMIME", "a@example.com", {}, body_type::eight_bit_mime},
      {"FROM:<a@example.com> body=7bit", "a@example.com", {}, body_type::seven_bit},
      {"FROM:<a@example.com>  SIZE=5   SMTPUTF8", "a@example.com", 5, body_type::unspecified, true},
      {"FROM:<a@example.com> AUTH=<>", "a@example.com", {}},
      {"FROM:<a@example.com> AUTH=app1+40example.com", "a@example.com", {}},
      {"FROM:<\"john doe\"@example.com>", "\"john doe\"@example.com", {}},
      {"FROM:<\"a>b\"@example.com>", "\"a>b\"@example.com", {}},
      // The % hack is only a local part here: nothing routes on it.
      {"FROM:<u%other.example@example.com>", "u%other.example@example.com", {}},
      {"FROM:<jos\xc3\xa9@example.com> SMTPUTF8", "jos\xc3\xa9@example.com", {}, body_type::unspecified, true},
  };
  for (const auto& r : rows) {
    CAPTURE(r.argument);
    mail_from_result result = parse_mail_from(r.argument);
    REQUIRE(result.value);
    CHECK((result.value->sender ? result.value->sender->str() : "") == r.sender);
    CHECK(result.value->params.size == r.size);
    CHECK(result.value->params.body == r.body);
    CHECK(result.value->params.smtputf8 == r.smtputf8);
  }
}

TEST_CASE("MAIL FROM arguments that are refused, with their replies") {
  struct row {
    std::string argument;
    std::string reply;
  };
  const row rows[] = {
      {"", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"},
      {"FROM:a@example.com", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"},
      {"TO:<a@example.com>", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"},
      {"FROM:<a@example.com", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"},
      {"FROM:<a@example.com>SIZE=1", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"},
      {"FROM:<\"a@example.com>", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"},
      {"FROM:<@a.example,@b.example:u@c.example>", "553 5.1.7 <@a.example,@b.example:u@c.example> Invalid email address\r\n"},
      {"FROM:<@a.example:u@c.example>", "553 5.1.7 <@a.example:u@c.example> Invalid email address\r\n"},
      {"FROM:<a!b>", "553 5.1.7 <a!b> Invalid email address\r\n"},
      {"FROM:<user>", "553 5.1.7 <user> Invalid email address\r\n"},
      {"FROM:<a@b@example.com>", "553 5.1.7 <a@b@example.com> Invalid email address\r\n"},
      {"FROM:<a..b@example.com>", "553 5.1.7 <a..b@example.com> Invalid email address\r\n"},
      {"FROM:<jos\xc3\xa9@example.com>", "553 5.6.7 Must declare SMTPUTF8 to send unicode address\r\n"},
      {"FROM:<\xff\xfe@example.com> SMTPUTF8", "553 5.1.7 <\xff\xfe@example.com> Invalid email address\r\n"},
      {"FROM:<\xed\xa0\x80@example.com> SMTPUTF8", "553 5.1.7 <\xed\xa0\x80@example.com> Invalid email address\r\n"},
      {"FROM:<a@example.com> SIZE=abc", "501 5.5.4 Bad message size syntax\r\n"},
      {"FROM:<a@example.com> SIZE=", "501 5.5.4 Bad message size syntax\r\n"},
      {"FROM:<a@example.com> SIZE=-1", "501 5.5.4 Bad message size syntax\r\n"},
      {"FROM:<a@example.com> SIZE=99999999999999999999999", "501 5.5.4 Bad message size syntax\r\n"},
      {"FROM:<a@example.com> BODY=BINARYMIME", "555 5.5.4 Unsupported option: BODY=BINARYMIME\r\n"},
      {"FROM:<a@example.com> NOTIFY=NEVER", "555 5.5.4 Unsupported option: NOTIFY=NEVER\r\n"},
      {"FROM:<a@example.com> SMTPUTF8=yes", "555 5.5.4 Unsupported option: SMTPUTF8=yes\r\n"},
      {"FROM:<a@example.com> AUTH", "555 5.5.4 Unsupported option: AUTH\r\n"},
      {"FROM:<a@example.com> SIZE", "555 5.5.4 Unsupported option: SIZE\r\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.argument);
    mail_from_result result = parse_mail_from(r.argument);
    CHECK_FALSE(result.value);
    CHECK(wire(result.error) == r.reply);
  }
}

TEST_CASE("RCPT TO arguments that are accepted") {
  struct row {
    std::string argument;
    bool smtputf8;
    std::string rcpt;
  };
  const row rows[] = {
      {"TO:<b@example.org>", false, "b@example.org"},
      {"to: <b@EXAMPLE.org>", false, "b@example.org"},
      {"TO:<\"b c\"@example.org>", false, "\"b c\"@example.org"},
      {"TO:<victim%other.example@relay.example>", false, "victim%other.example@relay.example"},
      {"TO:<b@[192.0.2.1]>", false, "b@[192.0.2.1]"},
      {"TO:<jos\xc3\xa9@example.org>", true, "jos\xc3\xa9@example.org"},
      // RFC 6531 3.3: with SMTPUTF8 the domain may hold U-labels; kept as written for delivery.
      {"TO:<u@d\xc3\xa9st.test>", true, "u@d\xc3\xa9st.test"},
      {"TO:<u@xn--dst-bma.test>", false, "u@xn--dst-bma.test"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.argument);
    rcpt_to_result result = parse_rcpt_to(r.argument, r.smtputf8);
    REQUIRE(result.value);
    CHECK(result.value->str() == r.rcpt);
  }
}

TEST_CASE("RCPT TO arguments that are refused, with their replies") {
  struct row {
    std::string argument;
    std::string reply;
  };
  const row rows[] = {
      {"", "501 5.5.4 Syntax: RCPT TO:<address>\r\n"},
      {"TO:b@example.org", "501 5.5.4 Syntax: RCPT TO:<address>\r\n"},
      {"FROM:<b@example.org>", "501 5.5.4 Syntax: RCPT TO:<address>\r\n"},
      {"TO:<>", "553 5.1.3 <> address unknown\r\n"},
      {"TO:<@relay.example:victim@other.example>", "553 5.1.3 <@relay.example:victim@other.example> address unknown\r\n"},
      {"TO:<@a,@b:c@d.example>", "553 5.1.3 <@a,@b:c@d.example> address unknown\r\n"},
      {"TO:<other.example!victim>", "553 5.1.3 <other.example!victim> address unknown\r\n"},
      {"TO:<postmaster>", "553 5.1.3 <postmaster> address unknown\r\n"},
      {"TO:<b@example.org> NOTIFY=NEVER", "555 5.5.4 Unsupported option: NOTIFY=NEVER\r\n"},
      {"TO:<jos\xc3\xa9@example.org>", "553 5.6.7 Must declare SMTPUTF8 to send unicode address\r\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.argument);
    rcpt_to_result result = parse_rcpt_to(r.argument, false);
    CHECK_FALSE(result.value);
    CHECK(wire(result.error) == r.reply);
  }
}

TEST_CASE("U-label domains under SMTPUTF8 carry their A-label form for matching") {
  rcpt_to_result rcpt = parse_rcpt_to("TO:<u@D\xc3\x89ST.test>", true);
  REQUIRE(rcpt.value);
  CHECK(rcpt.value->str() == "u@d\xc3\x89st.test");  // ASCII lower-cased only, as written otherwise
  CHECK(rcpt.value->canonical() == "u@xn--dst-bma.test");  // UTS #46 maps the upper case

  mail_from_result mail = parse_mail_from("FROM:<\"billing\"@d\xc3\xa9st.test> SMTPUTF8");
  REQUIRE(mail.value);
  REQUIRE(mail.value->sender);
  CHECK(mail.value->sender->str() == "\"billing\"@d\xc3\xa9st.test");
  CHECK(mail.value->sender->canonical() == "billing@xn--dst-bma.test");

  // Not a domain IDNA2008 allows (a right-to-left override): refused, not guessed at.
  rcpt_to_result bad = parse_rcpt_to("TO:<u@a\xe2\x80\xae" "b.test>", true);
  CHECK_FALSE(bad.value);
  CHECK(wire(bad.error).starts_with("553 5.1.3 "));
  // Without SMTPUTF8 a U-label domain still needs it declared.
  CHECK(wire(parse_rcpt_to("TO:<u@d\xc3\xa9st.test>", false).error) ==
        "553 5.6.7 Must declare SMTPUTF8 to send unicode address\r\n");
}

}  // namespace
}  // namespace mfrelay::relay::smtp
