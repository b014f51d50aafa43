// parse_feedback_report on real-world-shaped messages of samples/: standard
// DSNs (Postfix, Gmail, Exchange, base64-encoded), plain-text bounces (Exim,
// qmail), ARF complaints (Yahoo, Microsoft), an auto-reply, and mail that is
// none of these. Each sample is read with LF and with CRLF line ends.
#include "relay/feedback/feedback_report.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sample_file.hpp"

namespace mfrelay::relay {
namespace {

using test::sample;
using test::with_crlf;

std::vector<feedback_report> both_line_ends(const std::string& name) {
  std::string text = sample(name);
  return {parse_feedback_report(text), parse_feedback_report(with_crlf(text))};
}

TEST_CASE("a Postfix DSN from the error: transport is a Permanent NoEmail bounce") {
  for (const feedback_report& r : both_line_ends("postfix-error-5.1.1.eml")) {
    REQUIRE(r.kind == feedback_kind::bounce);
    CHECK(r.bounce.standard);
    CHECK(r.bounce.classification == bounce_class{bounce_type::permanent, bounce_subtype::no_email});
    CHECK(r.bounce.reporting_mta == "dns; mx.example.net");
    CHECK(r.bounce.arrival_date == "Mon,  1 Jan 2024 12:00:00 +0000 (UTC)");
    REQUIRE(r.bounce.recipients.size() == 1);
    const bounced_recipient& rcpt = r.bounce.recipients[0];
    CHECK(rcpt.email_address == "nobody@example.net");
    CHECK(rcpt.original_recipient == "nobody@example.net");
    CHECK(rcpt.action == "failed");
    CHECK(rcpt.status == "5.1.1");
    CHECK(rcpt.diagnostic_code == "X-Postfix; User unknown");
    CHECK(r.original.message_id == "<app-42@example.com>");
    CHECK(r.original.from == "App <app@example.com>");
    CHECK(r.original.to == "nobody@example.net");
    CHECK_FALSE(r.truncated);
  }
}

TEST_CASE("a Postfix delay warning is a delay, not a bounce; its folded diagnostic is unfolded") {
  for (const feedback_report& r : both_line_ends("postfix-delayed.eml")) {
    REQUIRE(r.kind == feedback_kind::delay);
    REQUIRE(r.bounce.recipients.size() == 1);
    CHECK(r.bounce.recipients[0].email_address == "slow@example.org");
    CHECK(r.bounce.recipients[0].status == "4.4.1");
    CHECK(r.bounce.recipients[0].diagnostic_code ==
          "X-Postfix; connect to mx.example.org[192.0.2.30]:25: Connection    timed out");
    CHECK(r.original.message_id == "<app-43@example.com>");
  }
}

TEST_CASE("a Gmail DSN: nested multiparts, folded Remote-MTA and Diagnostic-Code") {
  for (const feedback_report& r : both_line_ends("gmail-dsn.eml")) {
    REQUIRE(r.kind == feedback_kind::bounce);
    CHECK(r.bounce.classification == bounce_class{bounce_type::permanent, bounce_subtype::no_email});
    CHECK(r.bounce.reporting_mta == "dns; googlemail.com");
    REQUIRE(r.bounce.recipients.size() == 1);
    const bounced_recipient& rcpt = r.bounce.recipients[0];
    CHECK(rcpt.email_address == "missing.person@gmail.com");
    CHECK(rcpt.remote_mta.starts_with("dns; gmail-smtp-in.l.google.com. (2607:f8b0:4864:20::a2c, the server"));
    CHECK(rcpt.diagnostic_code.starts_with("smtp; 550-5.1.1 The email account that you tried to reach does not exist."));
    CHECK(rcpt.diagnostic_code.ends_with("- gsmtp"));
    CHECK(r.original.message_id == "<app-45@example.com>");
    CHECK(r.original.to == "Missing Person <missing.person@gmail.com>");
  }
}

TEST_CASE("an Exchange NDR for a full mailbox is Transient MailboxFull, as SES reports it") {
  for (const feedback_report& r : both_line_ends("exchange-ndr-mailbox-full.eml")) {
    REQUIRE(r.kind == feedback_kind::bounce);
    CHECK(r.bounce.classification == bounce_class{bounce_type::transient, bounce_subtype::mailbox_full});
    REQUIRE(r.bounce.recipients.size() == 1);
    CHECK(r.bounce.recipients[0].email_address == "full.box@contoso.com");
    CHECK(r.bounce.recipients[0].status == "5.2.2");
    CHECK(r.bounce.reporting_mta == "dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com");
    CHECK(r.original.message_id == "<app-46@example.com>");
  }
}

TEST_CASE("a base64-encoded message/delivery-status is decoded: Transient MessageTooLarge") {
  for (const feedback_report& r : both_line_ends("base64-delivery-status.eml")) {
    REQUIRE(r.kind == feedback_kind::bounce);
    CHECK(r.bounce.standard);
    CHECK(r.bounce.classification == bounce_class{bounce_type::transient, bounce_subtype::message_too_large});
    CHECK(r.bounce.reporting_mta == "dns; mx1.example.biz");
    REQUIRE(r.bounce.recipients.size() == 1);
    CHECK(r.bounce.recipients[0].email_address == "big.attachments@example.biz");
    CHECK(r.bounce.recipients[0].status == "5.3.4");
    CHECK(r.bounce.recipients[0].remote_mta == "dns; mx1.example.biz");
    CHECK(r.original.message_id == "<app-47@example.com>");
  }
}

TEST_CASE("an Exim plain-text bounce is Undetermined, with the recipient and its SMTP reply") {
  for (const feedback_report& r : both_line_ends("exim-plain.eml")) {
    REQUIRE(r.kind == feedback_kind::bounce);
    CHECK_FALSE(r.bounce.standard);
    CHECK(r.bounce.classification == bounce_class{});
    REQUIRE(r.bounce.recipients.size() == 1);
    CHECK(r.bounce.recipients[0].email_address == "gone@example.org");
    CHECK(r.bounce.recipients[0].status == "5.1.1");
    CHECK(r.bounce.recipients[0].diagnostic_code.starts_with("550 5.1.1 <gone@example.org>: Recipient address rejected"));
    CHECK(r.bounce.recipients[0].classification == bounce_class{});
    CHECK(r.original.message_id == "<app-44@example.com>");
  }
}

TEST_CASE("a qmail bounce names each failed recipient and its code; the returned copy is not read as the report") {
  for (const feedback_report& r : both_line_ends("qmail-plain.eml")) {
    REQUIRE(r.kind == feedback_kind::bounce);
    CHECK(r.bounce.classification == bounce_class{});
    REQUIRE(r.bounce.recipients.size() == 2);
    CHECK(r.bounce.recipients[0].email_address == "nouser@example.com");
    CHECK(r.bounce.recipients[0].status == "5.1.1");
    CHECK(r.bounce.recipients[0].diagnostic_code.starts_with("Remote host said: 550 5.1.1"));
    CHECK(r.bounce.recipients[1].email_address == "also.gone@example.com");
    CHECK(r.bounce.recipients[1].status == "5.1.1");
    CHECK(r.original.message_id == "<app-49@example.com>");
  }
}

TEST_CASE("a Yahoo ARF report is a complaint for its Original-Rcpt-To") {
  for (const feedback_report& r : both_line_ends("arf-yahoo.eml")) {
    REQUIRE(r.kind == feedback_kind::complaint);
    CHECK(r.complaint.feedback_type == "abuse");
    CHECK(r.complaint.user_agent == "Yahoo!-Mail-Feedback/2.0");
    CHECK(r.complaint.arrival_date == "Mon, 1 Jan 2024 12:00:00 +0000");
    CHECK(r.complaint.source_ip == "192.0.2.1");
    CHECK(r.complaint.complained_recipients == std::vector<std::string>{"complainer@yahoo.com"});
    CHECK(r.original.message_id == "<app-42@example.com>");
  }
}

TEST_CASE("a redacted Microsoft ARF report takes the complained recipients from the original To") {
  for (const feedback_report& r : both_line_ends("arf-outlook-redacted.eml")) {
    REQUIRE(r.kind == feedback_kind::complaint);
    CHECK(r.complaint.feedback_type == "abuse");
    CHECK(r.complaint.user_agent == "Microsoft JMRP/1.0");
    CHECK(r.complaint.arrival_date == "Mon, 01 Jan 2024 12:00:00 +0000");
    CHECK(r.complaint.complained_recipients ==
          std::vector<std::string>{"complaining.user@outlook.com", "second@outlook.com"});
    CHECK(r.original.message_id == "<app-48@example.com>");
  }
}

TEST_CASE("a vacation auto-reply is not a bounce, even when it says it could not be reached") {
  for (const feedback_report& r : both_line_ends("vacation-auto-reply.eml")) {
    CHECK(r.kind == feedback_kind::not_a_bounce);
    CHECK(r.reason == "an automatic reply (Auto-Submitted: auto-replied)");
    CHECK(r.bounce.recipients.empty());
  }
}

TEST_CASE("auto-replies by X-Autoreply, Precedence or subject alone") {
  for (std::string headers : {"X-Autoreply: yes\n", "Precedence: auto_reply\n", "Subject: Automatic reply: Hello\n",
                              "Subject: Abwesenheitsnotiz\n", "Auto-Submitted: auto-generated\n"}) {
    CAPTURE(headers);
    feedback_report r = parse_feedback_report("From: a@example.net\n" + headers + "\nI am away.\n");
    CHECK(r.kind == feedback_kind::not_a_bounce);
  }
  // Auto-Submitted: no is a person writing.
  feedback_report r = parse_feedback_report("From: a@example.net\nAuto-Submitted: no\nSubject: hi\n\nhello\n");
  CHECK(r.kind == feedback_kind::unrecognised);
}

TEST_CASE("mail that is no report is unrecognised, with a reason") {
  feedback_report r = parse_feedback_report(sample("garbage-ordinary-mail.eml"));
  CHECK(r.kind == feedback_kind::unrecognised);
  CHECK(r.reason == "neither a delivery report, a feedback report nor a bounce text");
  r = parse_feedback_report(sample("garbage-no-headers.txt"));
  CHECK(r.kind == feedback_kind::unrecognised);
  CHECK(r.reason == "not a mail message: no header fields");
  CHECK(parse_feedback_report(sample("garbage-random.bin")).kind == feedback_kind::unrecognised);
  CHECK(parse_feedback_report("").kind == feedback_kind::unrecognised);
}

std::string dsn(const std::string& report_type, const std::string& groups) {
  return "From: MAILER-DAEMON@mx.example.net\nSubject: report\nMIME-Version: 1.0\n"
         "Content-Type: multipart/report; report-type=" + report_type + "; boundary=b\n\n"
         "--b\nContent-Type: text/plain\n\nSee below.\n"
         "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" + groups +
         "--b--\n";
}

TEST_CASE("a DSN with several recipients: the failed ones, the most severe decides the report's type") {
  feedback_report r = parse_feedback_report(dsn("delivery-status",
      "Final-Recipient: rfc822; full@example.net\nAction: failed\nStatus: 5.2.2\n\n"
      "Final-Recipient: rfc822; ok@example.net\nAction: delivered\nStatus: 2.0.0\n\n"
      "Final-Recipient: rfc822; later@example.net\nAction: delayed\nStatus: 4.4.7\n\n"
      "Final-Recipient: rfc822; spam@example.net\nAction: failed\nStatus: 5.7.1\n"
      "Diagnostic-Code: smtp; 550 5.7.1 Message rejected as spam by Content Filtering\n\n"
      "final-recipient: RFC822; <gone@example.net>\nACTION: Failed\nstatus: 5.0.0\n"
      "diagnostic-code: smtp; 550 5.1.1 no such user\n\n"));
  REQUIRE(r.kind == feedback_kind::bounce);
  REQUIRE(r.bounce.recipients.size() == 3);
  CHECK(r.bounce.recipients[0].classification == bounce_class{bounce_type::transient, bounce_subtype::mailbox_full});
  CHECK(r.bounce.recipients[1].classification ==
        bounce_class{bounce_type::transient, bounce_subtype::content_rejected});
  CHECK(r.bounce.recipients[2].email_address == "gone@example.net");
  CHECK(r.bounce.recipients[2].action == "failed");
  CHECK(r.bounce.recipients[2].classification == bounce_class{bounce_type::permanent, bounce_subtype::no_email});
  CHECK(r.bounce.classification == bounce_class{bounce_type::permanent, bounce_subtype::no_email});
}

TEST_CASE("recipient groups separated by a line of spaces are still two recipients") {
  feedback_report r = parse_feedback_report(dsn("delivery-status",
      "Final-Recipient: rfc822; one@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n  \r\n"
      "Final-Recipient: rfc822; two@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"));
  REQUIRE(r.kind == feedback_kind::bounce);
  REQUIRE(r.bounce.recipients.size() == 2);
  CHECK(r.bounce.recipients[1].email_address == "two@example.net");
}

TEST_CASE("a success-only DSN and a read receipt are not bounces; another report type is Undetermined") {
  feedback_report r = parse_feedback_report(
      dsn("delivery-status", "Final-Recipient: rfc822; ok@example.net\nAction: delivered\nStatus: 2.0.0\n\n"));
  CHECK(r.kind == feedback_kind::not_a_bounce);
  r = parse_feedback_report(
      "From: a@example.net\nContent-Type: multipart/report; report-type=disposition-notification; boundary=x\n\n"
      "--x\nContent-Type: text/plain\n\nRead.\n--x\nContent-Type: message/disposition-notification\n\n"
      "Disposition: manual-action/MDN-sent-manually; displayed\n--x--\n");
  CHECK(r.kind == feedback_kind::not_a_bounce);
  r = parse_feedback_report(
      "From: MAILER-DAEMON@example.net\nContent-Type: multipart/report; report-type=x-odd; boundary=x\n\n"
      "--x\nContent-Type: text/plain\n\nDelivery to the following recipient failed:\n\n   lost@example.net\n"
      "--x--\n");
  REQUIRE(r.kind == feedback_kind::bounce);
  CHECK(r.bounce.classification == bounce_class{});
  REQUIRE(r.bounce.recipients.size() == 1);
  CHECK(r.bounce.recipients[0].email_address == "lost@example.net");
}

TEST_CASE("limits: recipients past max_recipients and bytes past max_input_bytes are cut and say so") {
  std::string groups;
  for (int i = 0; i < 150; ++i) {
    groups += "Final-Recipient: rfc822; r" + std::to_string(i) + "@example.net\nAction: failed\nStatus: 5.1.1\n\n";
  }
  feedback_report r = parse_feedback_report(dsn("delivery-status", groups));
  REQUIRE(r.kind == feedback_kind::bounce);
  CHECK(r.bounce.recipients.size() == 100);
  CHECK(r.truncated);

  feedback_limits small;
  small.max_input_bytes = 64;
  r = parse_feedback_report(sample("postfix-error-5.1.1.eml"), small);
  CHECK(r.truncated);
  CHECK(r.kind == feedback_kind::unrecognised);
}

TEST_CASE("limits: multiparts nested past max_depth are not walked, and deep nesting does not exhaust the stack") {
  std::string open, close;
  for (int i = 0; i < 5000; ++i) {
    open += "Content-Type: multipart/mixed; boundary=n" + std::to_string(i) + "\n\n--n" + std::to_string(i) + "\n";
  }
  std::string inner = "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; deep@example.net\n"
                      "Action: failed\nStatus: 5.1.1\n";
  feedback_report r = parse_feedback_report("From: x@example.net\n" + open + inner);
  CHECK(r.kind == feedback_kind::unrecognised);
}

}  // namespace
}  // namespace mfrelay::relay
