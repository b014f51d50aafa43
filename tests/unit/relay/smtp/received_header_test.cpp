// The Received: header mfrelay adds: fields, RFC 3848 protocol names, "for"
// only with one recipient, folding within 78 octets, client text defused.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "relay/smtp/received_header.hpp"

namespace mfrelay::relay::smtp {
namespace {

const std::string id = "010001931102a178-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718-000000";
const std::string date = "Tue, 26 Nov 2024 08:03:00 +0000";

std::vector<std::string> lines_of(const std::string& header) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t eol = header.find("\r\n", pos);
    REQUIRE(eol != std::string::npos);
    lines.push_back(header.substr(pos, eol - pos));
    pos = eol + 2;
  }
  return lines;
}

std::string unfolded(const std::string& header) {
  std::string out;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header.compare(i, 3, "\r\n\t") == 0) {
      out += ' ';
      i += 2;
    } else if (header.compare(i, 2, "\r\n") == 0) {
      break;
    } else {
      out += header[i];
    }
  }
  return out;
}

TEST_CASE("with_protocol follows RFC 3848") {
  CHECK(with_protocol(false, false, false) == "SMTP");
  CHECK(with_protocol(true, false, false) == "ESMTP");
  CHECK(with_protocol(true, true, false) == "ESMTPS");
  CHECK(with_protocol(true, false, true) == "ESMTPA");
  CHECK(with_protocol(true, true, true) == "ESMTPSA");
  CHECK(with_protocol(false, true, false) == "ESMTPS");
}

TEST_CASE("received_header names helo, client, us, protocol, id, the one recipient and the date") {
  std::vector<policy::email_address> one{{"rcpt", "example.org"}};
  std::string h = received_header({"app.example.com", "192.0.2.10", "mx.example.net", "ESMTPSA", id, &one, date});
  CHECK(unfolded(h) == "Received: from app.example.com ([192.0.2.10]) by mx.example.net (mfrelay) with ESMTPSA id " +
                           id + " for <rcpt@example.org>; " + date);
  CHECK(h.substr(h.size() - 2) == "\r\n");
  for (const std::string& line : lines_of(h)) {
    CAPTURE(line);
    CHECK(line.size() <= 78);
  }
  CHECK(lines_of(h).size() > 1);
  for (std::size_t i = 1; i < lines_of(h).size(); ++i) CHECK(lines_of(h)[i].front() == '\t');
  // The date is never split.
  bool date_whole = false;
  for (const std::string& line : lines_of(h)) date_whole = date_whole || line.find(date) != std::string::npos;
  CHECK(date_whole);
}

TEST_CASE("received_header leaves out 'for' unless there is exactly one recipient") {
  std::vector<policy::email_address> two{{"a", "example.org"}, {"b", "example.org"}};
  std::string h = received_header({"c", "192.0.2.1", "mx", "ESMTP", id, &two, date});
  CHECK(h.find(" for ") == std::string::npos);
  CHECK(unfolded(h).find("id " + id + "; " + date) != std::string::npos);
  h = received_header({"c", "192.0.2.1", "mx", "ESMTP", id, nullptr, date});
  CHECK(h.find(" for ") == std::string::npos);
}

TEST_CASE("received_header writes IPv6 clients as address literals and defuses client text") {
  std::vector<policy::email_address> one{{"r", "example.org"}};
  std::string h = received_header({"", "2001:db8::1", "mx", "ESMTPS", id, &one, date});
  CHECK(unfolded(h).find("from unknown ([IPv6:2001:db8::1]) by mx") != std::string::npos);
  // A HELO name cannot add lines, fields or words.
  h = received_header({"evil\r\nX-Injected: 1 two", "192.0.2.1", "mx", "SMTP", id, &one, date});
  CHECK(h.find("X-Injected: 1") == std::string::npos);
  CHECK(unfolded(h).find("from evil??X-Injected:?1?two ([192.0.2.1])") != std::string::npos);
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h[i] == '\n') CHECK((i > 0 && h[i - 1] == '\r'));
  }
}

}  // namespace
}  // namespace mfrelay::relay::smtp
