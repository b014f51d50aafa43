// RFC 5322 address lists as they appear in From: and To: fields.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "relay/smtp/address_list.hpp"

namespace mfrelay::relay::smtp {
namespace {

std::vector<std::string> strs(const address_list_result& r) {
  std::vector<std::string> out;
  for (const auto& m : r.mailboxes) out.push_back(m.str());
  return out;
}

TEST_CASE("address lists that parse") {
  struct row {
    std::string text;
    std::vector<std::string> mailboxes;
  };
  const row rows[] = {
      {"a@example.com", {"a@example.com"}},
      {" a@example.com ", {"a@example.com"}},
      {"John Doe <john@example.com>", {"john@example.com"}},
      {"\"Doe, John\" <john@example.com>", {"john@example.com"}},
      {"\"a <b@evil.example>\" <john@example.com>", {"john@example.com"}},
      {"john@example.com (John Doe)", {"john@example.com"}},
      {"(c) <john@example.com> (c2 (nested) \\) x)", {"john@example.com"}},
      {"John (the man) Doe <john@example.com>", {"john@example.com"}},
      {"J. R. Doe <john@example.com>", {"john@example.com"}},
      {"=?UTF-8?Q?Jos=C3=A9?= <jose@example.com>", {"jose@example.com"}},
      {"Jos\xc3\xa9 <jos\xc3\xa9@example.com>", {"jos\xc3\xa9@example.com"}},
      {"<john@EXAMPLE.com>", {"john@example.com"}},
      {"\"john doe\"@example.com", {"\"john doe\"@example.com"}},
      {"John <\"john doe\"@example.com>", {"\"john doe\"@example.com"}},
      {"john . doe @ example . com", {"john.doe@example.com"}},
      {"user@[192.0.2.1]", {"user@[192.0.2.1]"}},
      {"a@example.com, B <b@example.org>", {"a@example.com", "b@example.org"}},
      {"a@example.com,,b@example.org,", {"a@example.com", "b@example.org"}},
      {"Team: a@example.com, B <b@example.org>;", {"a@example.com", "b@example.org"}},
      {"Team: a@example.com;, c@example.net", {"a@example.com", "c@example.net"}},
      {"undisclosed-recipients:;", {}},
      {"", {}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    address_list_result result = parse_address_list(r.text);
    CHECK(result.ok());
    CHECK(strs(result) == r.mailboxes);
  }
}

TEST_CASE("address lists that do not parse give no mailboxes") {
  const std::string rows[] = {
      "John Doe",
      "John Doe@example.com",
      "<john@example.com",
      "john@example.com>",
      "\"unterminated@example.com",
      "(unterminated a@example.com",
      "<@route.example:john@example.com>",
      "<@a,@b:john@example.com>",
      "A: B: c@example.com;;",
      "Team: a@example.com",
      "a@example.com b@example.org",
      "a@@example.com",
      "<>",
      "a@example.com\\",
      "john@exa mple.com",
      "john@example..com",
      "a@example.com <b@example.org>",
      "[a]@example.com",
      "a@\"example\".com",
      ": a@example.com;",
  };
  for (const auto& text : rows) {
    CAPTURE(text);
    address_list_result result = parse_address_list(text);
    CHECK_FALSE(result.ok());
    CHECK(result.mailboxes.empty());
  }
}

}  // namespace
}  // namespace mfrelay::relay::smtp
