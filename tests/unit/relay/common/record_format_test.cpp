// `mfrelay records` output: what an operator pastes into a DNS console or a
// zone file, so every byte is pinned.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policy/dns_records.hpp"
#include "policy/identity.hpp"
#include "relay/common/record_format.hpp"

namespace mfrelay::relay {
namespace {

// What required_records gives for example.com with MAIL FROM mail.example.com
// in us-west-2.
std::vector<policy::dns_record> sample_records() {
  policy::identity id;
  id.name = "example.com";
  id.mail_from_domain = "mail.example.com";
  auto records = policy::required_records(id, "feedback-smtp.us-west-2.amazonses.com", "amazonses.com");
  REQUIRE(records.size() == 2);
  return records;
}

TEST_CASE("parse_record_format knows exactly table, csv, zone and json") {
  CHECK(parse_record_format("table") == record_format::table);
  CHECK(parse_record_format("csv") == record_format::csv);
  CHECK(parse_record_format("zone") == record_format::zone);
  CHECK(parse_record_format("json") == record_format::json);
  for (const char* text : {"", "CSV", "Table", "yaml", "csv ", "text"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_record_format(text));
  }
}

TEST_CASE("table: aligned columns under a header") {
  CHECK(format_records(sample_records(), record_format::table) ==
        "Type  Name              Value\n"
        "MX    mail.example.com  10 feedback-smtp.us-west-2.amazonses.com\n"
        "TXT   mail.example.com  \"v=spf1 include:amazonses.com ~all\"\n");
}

TEST_CASE("table: columns widen to the longest name, short names keep the header width") {
  const std::vector<policy::dns_record> records{
      {"a.example", "TXT", "\"x\""},
      {"bounce.mail.example.org", "MX", "10 feedback.example"},
  };
  CHECK(format_records(records, record_format::table) ==
        "Type  Name                     Value\n"
        "TXT   a.example                \"x\"\n"
        "MX    bounce.mail.example.org  10 feedback.example\n");
  CHECK(format_records({}, record_format::table) == "Type  Name  Value\n");
}

TEST_CASE("csv: RFC 4180 with CRLF, the TXT value quoted with its quotes doubled") {
  CHECK(format_records(sample_records(), record_format::csv) ==
        "Type,Name,Value\r\n"
        "MX,mail.example.com,10 feedback-smtp.us-west-2.amazonses.com\r\n"
        "TXT,mail.example.com,\"\"\"v=spf1 include:amazonses.com ~all\"\"\"\r\n");
}

TEST_CASE("csv: a field with a comma or a line break is quoted") {
  const std::vector<policy::dns_record> records{
      {"a.example", "TXT", "x,y"},
      {"b.example", "TXT", "line\nbreak"},
      {"c.example", "TXT", "say \"hi\", twice"},
  };
  CHECK(format_records(records, record_format::csv) ==
        "Type,Name,Value\r\n"
        "TXT,a.example,\"x,y\"\r\n"
        "TXT,b.example,\"line\nbreak\"\r\n"
        "TXT,c.example,\"say \"\"hi\"\", twice\"\r\n");
  CHECK(format_records({}, record_format::csv) == "Type,Name,Value\r\n");
}

TEST_CASE("zone: fully qualified owner and exchange, TTL 3600, TXT as quoted") {
  CHECK(format_records(sample_records(), record_format::zone) ==
        "mail.example.com.\t3600\tIN\tMX\t10 feedback-smtp.us-west-2.amazonses.com.\n"
        "mail.example.com.\t3600\tIN\tTXT\t\"v=spf1 include:amazonses.com ~all\"\n");
  CHECK(format_records({}, record_format::zone) == "");
}

TEST_CASE("json: an array of {name, type, value}, TXT quotes escaped") {
  CHECK(format_records(sample_records(), record_format::json) ==
        "[{\"name\":\"mail.example.com\",\"type\":\"MX\",\"value\":\"10 feedback-smtp.us-west-2.amazonses.com\"},"
        "{\"name\":\"mail.example.com\",\"type\":\"TXT\",\"value\":\"\\\"v=spf1 include:amazonses.com ~all\\\"\"}]\n");
  CHECK(format_records({}, record_format::json) == "[]\n");
}

}  // namespace
}  // namespace mfrelay::relay
