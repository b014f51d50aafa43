// Header block collection and field extraction: From (all From fields), To,
// Subject, Message-ID, unfolding, the size bound, and the From rule.
#include <doctest/doctest.h>

#include <string>

#include "relay/smtp/header_scanner.hpp"
#include "relay/smtp/reply_renderer.hpp"

namespace mfrelay::relay::smtp {
namespace {

message_headers scan(const std::string& message, std::size_t limit = header_scanner::default_limit,
                     bool smtputf8 = false) {
  header_scanner s(limit, smtputf8);
  s.feed(message);
  return s.result();
}

message_headers scan_bytewise(const std::string& message) {
  header_scanner s;
  for (char c : message) s.feed(std::string_view(&c, 1));
  return s.result();
}

std::string from_reply(const std::string& message, bool smtputf8 = false) {
  from_check c = check_from(scan(message, header_scanner::default_limit, smtputf8));
  return c.rejection ? render_reply(*c.rejection, true) : "ok " + c.from->str();
}

const std::string sample =
    "Received: from x by y; Tue, 26 Nov 2024 08:03:00 +0000\r\n"
    "From: Alice <alice@example.com>\r\n"
    "To: b@example.org,\r\n"
    " c@example.org\r\n"
    "Subject: Hello\r\n"
    "  world\r\n"
    "Message-ID: <id-1@example.com>\r\n"
    "\r\n"
    "From: body@evil.example\r\n"
    "Subject: not a header\r\n";

TEST_CASE("header_scanner extracts From, To, Subject and Message-ID from the header block only") {
  for (const message_headers& h : {scan(sample), scan_bytewise(sample)}) {
    CHECK(h.from_fields == 1);
    REQUIRE(h.from.ok());
    REQUIRE(h.from.mailboxes.size() == 1);
    CHECK(h.from.mailboxes[0].str() == "alice@example.com");
    CHECK(h.to == "b@example.org, c@example.org");
    CHECK(h.subject == "Hello  world");
    CHECK(h.message_id == "<id-1@example.com>");
    CHECK_FALSE(h.truncated);
  }
  CHECK(from_reply(sample) == "ok alice@example.com");
}

TEST_CASE("field names are case-insensitive and may have blanks before the colon") {
  CHECK(from_reply("FROM: a@example.com\r\n\r\n") == "ok a@example.com");
  CHECK(from_reply("from:a@example.com\r\n\r\n") == "ok a@example.com");
  // A reader honouring obsolete syntax sees this From, so we must too.
  CHECK(from_reply("From : a@example.com\r\nFrom: b@example.org\r\n\r\n") ==
        "554 5.6.0 Message rejected: the From header must hold exactly one address\r\n");
  CHECK(from_reply("From:\r\n Alice\r\n <alice@example.com>\r\n\r\n") == "ok alice@example.com");
}

TEST_CASE("exactly one From mailbox is required") {
  const std::string none = "554 5.6.0 Message rejected: the message has no From header\r\n";
  const std::string several = "554 5.6.0 Message rejected: the From header must hold exactly one address\r\n";
  const std::string invalid = "554 5.6.0 Message rejected: the From header's address is not valid: ";
  const std::string empty = "554 5.6.0 Message rejected: the From header holds no address\r\n";
  struct row {
    std::string message;
    std::string reply;
  };
  const row rows[] = {
      {"Subject: x\r\n\r\nFrom: a@example.com\r\n", none},
      {"From: Alice\r\n\r\n", invalid + "a name without an address\r\n"},
      {"From: <alice@example.com\r\n\r\n", invalid + "expected '>'\r\n"},
      {"From: undisclosed:;\r\n\r\n", empty},
      {"From: \r\n\r\n", empty},
      {"\r\nFrom: a@example.com\r\n", none},  // no header at all
      {"", none},
      {"From: a@example.com, b@example.org\r\n\r\n", several},
      {"From: a@example.com\r\nFrom: b@example.org\r\n\r\n", several},
      {"From: a@example.com\r\nFrom: a@example.com\r\n\r\n", several},
      {"From: G: a@example.com, b@example.org;\r\n\r\n", several},
      // One From that parses and one that does not: refused, not half-read.
      {"From: a@example.com\r\nFrom: garbage\r\n\r\n", invalid + "a name without an address\r\n"},
      // Lines that are not fields do not end the scan early.
      {"From: a@example.com\r\nnot a field\r\nFrom: b@example.org\r\n\r\n", several},
      {"From: a@example.com\r\n", "ok a@example.com"},  // the message is all header
  };
  for (const auto& r : rows) {
    CAPTURE(r.message);
    CHECK(from_reply(r.message) == r.reply);
  }
}

TEST_CASE("a From header that is there but unusable is refused with what is wrong") {
  const std::string invalid = "554 5.6.0 Message rejected: the From header's address is not valid: ";
  struct row {
    std::string from;
    bool smtputf8;
    std::string why;
  };
  const row rows[] = {
      {std::string(900, 'x') + "@example.com", false, "'" + std::string(60, 'x') +
                                                    "...': its local part is 900 octets long, more than 64"},
      {"x@ex\xc3\xa4mple.com", false, "'x@ex\xc3\xa4mple.com' holds non-ASCII characters, which need SMTPUTF8 (RFC 6532)"},
      {"<@relay.org:billing@example.com>", false, "source routes (<@relay:user@domain>) are not accepted"},
      {"billing@ex_ample.com", false,
       "'billing@ex_ample.com': its domain 'ex_ample.com' is not valid: label 'ex_ample' has a character other than "
       "letters, digits and '-'"},
      {"x@a\xe2\x80\xae" "b.test", true, "'x@a\xe2\x80\xae" "b.test': its domain 'a\xe2\x80\xae" "b.test' is not valid: "
                                        "it is not a valid internationalized domain name: string contains a disallowed character"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.from);
    CHECK(from_reply("From: " + r.from + "\r\n\r\n", r.smtputf8) == invalid + r.why + "\r\n");
  }
  // With SMTPUTF8 the same address is fine, and a display name may be UTF-8 either way.
  CHECK(from_reply("From: x@ex\xc3\xa4mple.com\r\n\r\n", true) == "ok x@ex\xc3\xa4mple.com");
  CHECK(from_reply("From: Jos\xc3\xa9 <jose@example.com>\r\n\r\n") == "ok jose@example.com");
}

TEST_CASE("the header block is bounded; a field cut by the bound is dropped, not half read") {
  // From lies beyond the limit: not seen.
  std::string filler = "X-Filler: " + std::string(200, 'x') + "\r\n";
  message_headers h = scan(filler + "From: a@example.com\r\n\r\n", 100);
  CHECK(h.truncated);
  CHECK(h.from_fields == 0);

  // A folded From crossing the limit: reading "a@example.com," alone would
  // give one mailbox where the message has two.
  std::string cut = "From: a@example.com,\r\n";
  h = scan(cut + " b@example.org\r\nSubject: s\r\n\r\n", cut.size() + 3);
  CHECK(h.truncated);
  CHECK(h.from_fields == 0);

  // Fields wholly before the limit are kept.
  h = scan("From: a@example.com\r\nSubject: s\r\n" + filler + "\r\n", 60);
  CHECK(h.truncated);
  CHECK(h.from_fields == 1);
  CHECK(h.subject == "s");
}

TEST_CASE("extracted texts are bounded") {
  message_headers h = scan("Subject: " + std::string(5000, 's') + "\r\nTo: " + std::string(3000, 't') + "\r\n\r\n");
  CHECK(h.subject.size() == header_scanner::max_field_text);
  CHECK(h.to.size() == header_scanner::max_field_text);
}

}  // namespace
}  // namespace mfrelay::relay::smtp
