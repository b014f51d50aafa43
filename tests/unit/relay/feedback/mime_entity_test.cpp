// mime_entity: header folding and case, Content-Type parameters, transfer
// decoding, multipart splitting (boundaries that prefix each other, a missing
// close delimiter, CRLF and LF).
#include "relay/feedback/mime_entity.hpp"

#include <doctest/doctest.h>

#include <string>

namespace mfrelay::relay {
namespace {

TEST_CASE("header blocks: folded fields, any case, the body after the empty line") {
  std::string_view rest;
  header_block h = parse_header_block("Subject: a\r\n  b\r\nX-Odd : v\r\nnot a field\r\ncontent-TYPE: text/plain\r\n\r\nbody\r\n",
                                      &rest);
  CHECK(h.get("subject") == "a  b");
  CHECK(h.get("X-ODD") == "v");
  CHECK(h.get("Content-Type") == "text/plain");
  CHECK(h.fields.size() == 3);
  CHECK(rest == "body\r\n");
  CHECK_FALSE(h.has("Missing"));
}

TEST_CASE("header blocks: a field value is bounded, fields past max_fields are dropped") {
  mime_limits limits;
  limits.max_field_bytes = 10;
  limits.max_fields = 2;
  header_block h = parse_header_block("A: 0123456789abcdef\n more\nB: b\nC: c\n", nullptr, limits);
  CHECK(h.get("A") == "0123456789");
  CHECK(h.fields.size() == 2);
}

TEST_CASE("Content-Type: type, parameters quoted or not, comments, defaults") {
  content_type ct = parse_content_type(
      "Multipart/Report (a comment); Report-Type=\"delivery-status\"; boundary=\"a\\\"b;c\"");
  CHECK(ct.is("multipart", "report"));
  CHECK(ct.param("report-type") == "delivery-status");
  CHECK(ct.param("boundary") == "a\"b;c");
  CHECK(parse_content_type("").is("text", "plain"));
  CHECK(parse_content_type("nonsense").is("text", "plain"));
  CHECK(parse_content_type("text/plain; charset").param("charset") == "");
}

TEST_CASE("transfer decoding: base64 with line breaks, quoted-printable soft breaks and bad escapes") {
  CHECK(decode_transfer("SGVs\r\nbG8g\nd29y bGQ=\r\n", "BASE64") == "Hello world");
  CHECK(decode_transfer("a=3Db=\r\nc=\nd =ZZ=4", "quoted-printable") == "a=bcd =ZZ=4");
  CHECK(decode_transfer("as is=3D", "7bit") == "as is=3D");
}

TEST_CASE("multipart: parts between delimiters, a longer boundary that starts with ours is not ours") {
  std::string body = "preamble\r\n--ab\r\nA: 1\r\n\r\none\r\n--abc\r\nstill one\r\n--ab  \r\ntwo\r\n--ab--\r\nepilogue\r\n";
  auto parts = split_multipart(body, "ab");
  REQUIRE(parts.size() == 2);
  CHECK(parts[0] == "A: 1\r\n\r\none\r\n--abc\r\nstill one");
  CHECK(parts[1] == "two");
  // No close delimiter: the last part runs to the end.
  parts = split_multipart("--x\nfirst\n--x\nlast\n", "x");
  REQUIRE(parts.size() == 2);
  CHECK(parts[1] == "last\n");
  CHECK(split_multipart("--x\nfirst\n", "").empty());
  CHECK(split_multipart("no delimiter at all", "x").empty());
}

}  // namespace
}  // namespace mfrelay::relay
