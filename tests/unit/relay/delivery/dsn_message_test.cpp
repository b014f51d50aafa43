// dsn_message: the RFC 3464 report a failed recipient's original sender gets —
// its parts and fields, one report for many recipients, escaping of untrusted
// text, and the cases that get no report at all (null sender, a bounce's bounce).
#include "relay/delivery/dsn_message.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "relay/common/clock.hpp"

namespace mfrelay::relay {
namespace {

envelope original() {
  envelope env;
  env.id = "0100019c0a1b2c3d-00000000-0000-0000-0000-000000000001-000000";
  env.original_sender = "app@example.com";
  env.return_path = env.id + "@mail.example.com";
  env.recipients = {"a@example.net", "b@example.net"};
  env.received_at = policy::timestamp{} + std::chrono::hours(24 * 20000);
  return env;
}

dsn_failure failure(std::string address, std::string status, std::string diagnostic, std::string remote = "") {
  dsn_failure f;
  f.outcome.address = std::move(address);
  f.outcome.verdict.fate = recipient_fate::bounced;
  f.outcome.verdict.status = std::move(status);
  f.outcome.verdict.diagnostic = std::move(diagnostic);
  f.remote_mta = std::move(remote);
  f.at = original().received_at + std::chrono::minutes(5);
  return f;
}

const std::string headers = "From: App <app@example.com>\r\nTo: a@example.net\r\nSubject: Invoice 42\r\n";

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

TEST_CASE("dsn: multipart/report with a delivery-status part per failed recipient and the original headers") {
  std::vector<dsn_failure> failed{
      failure("a@example.net", "5.1.1", "smtp; 550 5.1.1 <a@example.net>: User unknown", "192.0.2.7"),
      failure("b@example.net", "4.4.7", "smtp; 451 4.3.0 try later")};
  auto dsn = make_dsn(original(), headers, failed, "relay.test", "dsn-id-1", original().received_at);
  REQUIRE(dsn);
  const std::string& m = dsn->content;
  CHECK(m.starts_with("From: Mail Delivery System <MAILER-DAEMON@relay.test>\r\nTo: <app@example.com>\r\n"));
  CHECK(m.find("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"=_mfrelay_dsn_dsn-id-1\"") !=
        std::string::npos);
  CHECK(m.find("Auto-Submitted: auto-replied\r\n") != std::string::npos);
  CHECK(m.find("\r\nContent-Type: message/delivery-status\r\n") != std::string::npos);
  CHECK(m.find("\r\nReporting-MTA: dns; relay.test\r\n") != std::string::npos);
  CHECK(m.find("\r\n\r\nFinal-Recipient: rfc822; a@example.net\r\n"
               "Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; 192.0.2.7\r\n"
               "Diagnostic-Code: smtp; 550 5.1.1 <a@example.net>: User unknown\r\n") != std::string::npos);
  CHECK(m.find("\r\n\r\nFinal-Recipient: rfc822; b@example.net\r\n"
               "Action: failed\r\nStatus: 4.4.7\r\nDiagnostic-Code: smtp; 451 4.3.0 try later\r\n") != std::string::npos);
  CHECK(m.find("Content-Type: text/rfc822-headers\r\nContent-Description: Undelivered Message Headers\r\n\r\n" +
               headers) != std::string::npos);
  CHECK(count(m, "--=_mfrelay_dsn_dsn-id-1\r\n") == 3);
  CHECK(m.ends_with("\r\n--=_mfrelay_dsn_dsn-id-1--\r\n"));
  for (std::size_t pos = 0, next; pos < m.size(); pos = next + 2) {  // CRLF lines only, none too long
    next = m.find("\r\n", pos);
    REQUIRE(next != std::string::npos);
    CHECK(next - pos <= 998);
    CHECK(m.substr(pos, next - pos).find('\n') == std::string::npos);
  }

  // From the null sender to the original sender as submitted, never the rewritten return path.
  CHECK(dsn->env.id == "dsn-id-1");
  CHECK(dsn->env.return_path.empty());
  CHECK(dsn->env.original_sender.empty());
  CHECK(dsn->env.recipients == std::vector<std::string>{"app@example.com"});
  auto meta = boost::json::parse(dsn->env.metadata);
  CHECK(meta.at("mail").at("bounceOf") == boost::json::value(original().id));
  CHECK(meta.at("policy").at("decision") == "bounce");
}

TEST_CASE("dsn: no report for the null sender, nor for a message that is itself a delivery report") {
  std::vector<dsn_failure> failed{failure("a@example.net", "5.1.1", "smtp; 550 no")};
  envelope null_sender = original();
  null_sender.original_sender = "";
  CHECK_FALSE(make_dsn(null_sender, headers, failed, "relay.test", "x", {}));
  CHECK_FALSE(wants_dsn(null_sender, headers));

  std::string report = "From: MAILER-DAEMON@elsewhere\r\nContent-Type: Multipart/Report;\r\n"
                       "\treport-type=\"delivery-status\"; boundary=x\r\n";
  CHECK_FALSE(wants_dsn(original(), report));
  CHECK_FALSE(make_dsn(original(), report, failed, "relay.test", "x", {}));
  // A disposition notification (read receipt) is not a bounce: it may be reported on.
  CHECK(wants_dsn(original(), "Content-Type: multipart/report; report-type=disposition-notification\r\n"));
  CHECK(wants_dsn(original(), headers));
  CHECK_FALSE(make_dsn(original(), headers, {}, "relay.test", "x", {}));  // nothing failed
}

TEST_CASE("dsn: untrusted text stays 7-bit and bounded in the status fields; own reasons get a type") {
  std::string long_reply = "smtp; 550 5.7.1 " + std::string(3000, 'x');
  std::vector<dsn_failure> failed{failure("j\xc3\xb6rg@example.net", "5.1.10", "null MX: example.net accepts no mail"),
                                  failure("c@example.net", "5.7.1", long_reply)};
  auto dsn = make_dsn(original(), headers, failed, "relay.test", "dsn-id-2", {});
  REQUIRE(dsn);
  CHECK(dsn->content.find("Final-Recipient: utf-8; j\\x{C3}\\x{B6}rg@example.net\r\n") != std::string::npos);
  CHECK(dsn->content.find("Diagnostic-Code: X-mfrelay; null MX: example.net accepts no mail\r\n") != std::string::npos);
  CHECK(dsn->content.find("Diagnostic-Code: smtp; 550 5.7.1 xxx") != std::string::npos);
  CHECK(dsn->content.find(std::string(1000, 'x')) == std::string::npos);
}

TEST_CASE("dsn: header_section stops at the body and at the size limit, on a line end") {
  CHECK(header_section("A: 1\r\nB: 2\r\n\r\nbody\r\n") == "A: 1\r\nB: 2\r\n");
  CHECK(header_section("A: 1\r\nB: 2\r\n") == "A: 1\r\nB: 2\r\n");
  CHECK(header_section("A: 1\r\nB: 22222\r\n", 10) == "A: 1\r\n");
  CHECK(header_section("no line end") == "no line end\r\n");
  CHECK(header_section("\r\nbody") == "");
}

}  // namespace
}  // namespace mfrelay::relay
