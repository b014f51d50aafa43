// Percent-encoding with AWS's unreserved set, lenient decoding, query parsing and
// botocore's dot-segment removal.
#include <doctest/doctest.h>

#include "relay/admin/sigv4.hpp"
#include "relay/admin/uri_encoding.hpp"

namespace mfrelay::relay {
namespace {

TEST_CASE("uri_encode keeps only A-Z a-z 0-9 - _ . ~ (and '/' for paths)") {
  CHECK(uri_encode("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(uri_encode("a b+c/d@e%f=*") == "a%20b%2Bc%2Fd%40e%25f%3D%2A");
  CHECK(uri_encode("a b/c", true) == "a%20b/c");
  CHECK(uri_encode("\xe1\x88\xb4") == "%E1%88%B4");
  CHECK(uri_encode(std::string("\0", 1)) == "%00");
}

TEST_CASE("percent_decode is lenient, '+' is a space only when asked") {
  CHECK(percent_decode("billing%40example.com") == "billing@example.com");
  CHECK(percent_decode("%e1%88%B4") == "\xe1\x88\xb4");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("100%") == "100%");
  CHECK(percent_decode("%zz%4") == "%zz%4");
  CHECK(percent_decode("%2") == "%2");
}

TEST_CASE("parse_query: a form body") {
  auto q = parse_query("Action=GetIdentityMailFromDomainAttributes&Identities.member.1=a%40b.com&flag&&x=1+2&x=3",
                       true);
  CHECK(q.size() == 5);
  CHECK(q.find("Action")->second == "GetIdentityMailFromDomainAttributes");
  CHECK(q.find("Identities.member.1")->second == "a@b.com");
  CHECK(q.find("flag")->second == "");
  auto [first, last] = q.equal_range("x");
  REQUIRE(std::distance(first, last) == 2);
  CHECK(first->second == "1 2");
  CHECK(std::next(first)->second == "3");
  CHECK(parse_query("", true).empty());
}

TEST_CASE("parse_query: a URL's query reads what its SigV4 signature covers") {
  // '+' is a plus: "a+b" and "a%2Bb" mean the same, as their canonical forms are the same.
  CHECK(parse_query("x=a+b", false).find("x")->second == "a+b");
  CHECK(parse_query("x=a%2Bb", false).find("x")->second == "a+b");
  CHECK(parse_query("x=a%20b", false).find("x")->second == "a b");
  CHECK(sigv4_canonical_query("/?x=a+b") == sigv4_canonical_query("/?x=a%2Bb"));
  CHECK(sigv4_canonical_query("/?x=a+b") != sigv4_canonical_query("/?x=a%20b"));
}

TEST_CASE("remove_dot_segments as botocore") {
  CHECK(remove_dot_segments("") == "/");
  CHECK(remove_dot_segments("/") == "/");
  CHECK(remove_dot_segments("//") == "/");
  CHECK(remove_dot_segments("/./") == "/");
  CHECK(remove_dot_segments("/..") == "/");
  CHECK(remove_dot_segments("/example/..") == "/");
  CHECK(remove_dot_segments("/a/b/../c/./d") == "/a/c/d");
  CHECK(remove_dot_segments("//example//") == "/example/");
  CHECK(remove_dot_segments("/v2/email/identities/billing%40example.com/mail-from") ==
        "/v2/email/identities/billing%40example.com/mail-from");
}

}  // namespace
}  // namespace mfrelay::relay
