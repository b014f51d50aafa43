// The notification email for a MAIL FROM state change: a well-formed RFC 5322
// message (CRLF, 7-bit, bounded lines) with the headers an operator's mailbox
// expects, SES's wording per state, the DNS evidence (escaped: it is untrusted),
// and an envelope from the null sender.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <regex>

#include "support/message_check.hpp"
#include "relay/notify/notification_email.hpp"
#include "support/status_change_sample.hpp"

namespace mfrelay::relay {
namespace {

using policy::mail_from_status;

const std::string id = "0100019ac0e1a4f0-7c1e5b1a-3a4e-4c59-9f8e-2b1d4c6e8a10-000000";

notification_email_settings settings() {
  notification_email_settings s;
  s.from = "mfrelay@relay.example.net";
  s.to = "postmaster@example.com";
  s.hostname = "relay.example.net";
  s.feedback_host = "feedback-smtp.us-west-2.amazonses.com";
  s.spf_include = "amazonses.com";
  s.window = std::chrono::hours(72);
  return s;
}

notification_email build(const test::status_change_sample& sample) {
  auto mail = status_change_email(sample.build(), settings(), id, test::sample_t0);
  REQUIRE(mail);
  return *mail;
}

TEST_CASE("notification email: headers of a Success notice") {
  auto mail = build({});
  auto m = test::parse_message(mail.content);
  CHECK(m.headers["From"] == "mfrelay@relay.example.net");
  CHECK(m.headers["To"] == "postmaster@example.com");
  CHECK(m.headers["Subject"] == "MAIL FROM domain mail.example.com for example.com is now Success");
  CHECK(mail.subject == m.headers["Subject"]);
  CHECK(m.headers["Date"] == "Wed, 26 Nov 2025 08:40:01 +0000");
  CHECK(m.headers["Message-ID"] == "<" + id + "@relay.example.net>");
  CHECK(m.headers["MIME-Version"] == "1.0");
  CHECK(m.headers["Content-Type"] == "text/plain; charset=utf-8");
  CHECK(m.headers["Content-Transfer-Encoding"] == "7bit");
  CHECK(m.headers["Auto-Submitted"] == "auto-generated");
}

TEST_CASE("notification email: the body explains the state, the DNS evidence and what to do") {
  auto body = test::parse_message(build({}).content).body;
  CHECK(body.find("The custom MAIL FROM domain mail.example.com of the identity example.com is now Success "
                  "(it was Pending).") != std::string::npos);
  CHECK(body.find("Email sending behavior: Uses the custom MAIL FROM domain.") != std::string::npos);
  CHECK(body.find("mfrelay continuously checks that the required MX record is in place.") != std::string::npos);
  CHECK(body.find("  MX records (ok):\r\n    10 feedback-smtp.us-west-2.amazonses.com\r\n") != std::string::npos);
  CHECK(body.find("  TXT records (ok):\r\n    v=spf1 include:amazonses.com ~all\r\n") != std::string::npos);
  CHECK(body.find("  SPF: ok (v=spf1 include:amazonses.com ~all)") != std::string::npos);
  CHECK(body.find("What to do:\r\n  Nothing.") != std::string::npos);
}

TEST_CASE("notification email: each state has SES's behaviour and the records to publish") {
  struct row {
    std::optional<mail_from_status> from;
    mail_from_status to;
    policy::mx_failure_behavior behavior;
    const char* expected;
  };
  const row table[] = {
      {std::nullopt, mail_from_status::pending, policy::mx_failure_behavior::use_default_value,
       "mfrelay attempts to detect the required MX record for 72h. If unsuccessful, the state changes to \"Failed\"."},
      {mail_from_status::success, mail_from_status::temporary_failure, policy::mx_failure_behavior::reject_message,
       "if successful, the state changes to \"Success\"."},
      {mail_from_status::pending, mail_from_status::failed, policy::mx_failure_behavior::use_default_value,
       "mfrelay no longer attempts to detect the required MX record."},
  };
  for (const auto& r : table) {
    test::status_change_sample sample;
    sample.from = r.from;
    sample.to = r.to;
    sample.behavior = r.behavior;
    sample.mx = {};
    sample.reason = "no MX record";
    auto mail = build(sample);
    auto body = test::parse_message(mail.content).body;
    CAPTURE(body);
    CHECK(body.find(r.expected) != std::string::npos);
    CHECK(body.find("mail.example.com  MX  10 feedback-smtp.us-west-2.amazonses.com") != std::string::npos);
    CHECK(body.find("mail.example.com  TXT  \"v=spf1 include:amazonses.com ~all\"") != std::string::npos);
    CHECK(body.find("  MX records (nodata):\r\n    (none)") != std::string::npos);
    if (r.behavior == policy::mx_failure_behavior::reject_message) {
      CHECK(body.find("RejectMessage: messages are rejected with MailFromDomainNotVerified") != std::string::npos);
    } else {
      CHECK(body.find("UseDefaultValue: messages use the default MAIL FROM domain") != std::string::npos);
    }
    if (!r.from) CHECK(body.find("is now Pending (a new setting).") != std::string::npos);
    if (r.to == mail_from_status::failed) CHECK(body.find("restarts at \"Pending\"") != std::string::npos);
  }
}

TEST_CASE("notification email: hostile DNS text can neither add headers nor break lines") {
  test::status_change_sample sample;
  sample.to = mail_from_status::temporary_failure;
  sample.txt = {"v=spf1\r\nBcc: victim@example.org\r\n.\r\nQUIT\n\xff\xfe" + std::string(3000, 'x')};
  sample.mx = {{10, "mx\r\nX-Injected: yes"}};
  auto mail = build(sample);
  auto m = test::parse_message(mail.content);  // 7-bit, CRLF only, lines <= 998
  CHECK(m.headers.count("Bcc") == 0);
  CHECK(m.headers.count("X-Injected") == 0);
  CHECK(m.body.find("\r\nBcc:") == std::string::npos);
  CHECK(m.body.find("\r\n.\r\n") == std::string::npos);
  CHECK(m.body.find("v=spf1\\x0D\\x0ABcc: victim@example.org\\x0D\\x0A.\\x0D\\x0AQUIT\\x0A\\xFF\\xFE") !=
        std::string::npos);
}

TEST_CASE("notification email: the envelope comes from the null sender and carries event metadata") {
  auto mail = build({});
  CHECK(mail.env.id == id);
  CHECK(mail.env.return_path.empty());
  CHECK(mail.env.original_sender.empty());
  CHECK(mail.env.recipients == std::vector<std::string>{"postmaster@example.com"});
  CHECK(mail.env.received_at == test::sample_t0);
  auto meta = boost::json::parse(mail.env.metadata).as_object();
  REQUIRE(meta.at("mail").is_object());
  REQUIRE(meta.at("policy").is_object());
  REQUIRE(meta.at("session").is_object());
  CHECK(meta.at("mail").at("messageId").as_string() == id);
  CHECK(meta.at("mail").at("destination").as_array().at(0) == "postmaster@example.com");
  CHECK(meta.at("mail").at("commonHeaders").at("subject").as_string() == mail.subject);
  CHECK(meta.at("policy").at("returnPath") == "");
  CHECK(meta.at("policy").at("decision") == "notification");
  CHECK(meta.at("session").at("listener") == "notifications");
}

TEST_CASE("notification email: only status changes are notified") {
  boost::json::object send{{"eventType", "Send"}};
  CHECK_FALSE(status_change_email(send, settings(), id, test::sample_t0));
  CHECK_FALSE(status_change_email(boost::json::object{}, settings(), id, test::sample_t0));
}

}  // namespace
}  // namespace mfrelay::relay
