// Base64 for AUTH payloads (strict: a client's malformed payload must be
// refused, not guessed at) and passlib's adapted base64 for password hashes.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "relay/auth/base64.hpp"

namespace mfrelay::relay {
namespace {

using namespace std::string_literals;

TEST_CASE("base64 encodes and decodes the RFC 4648 test vectors") {
  struct row {
    std::string_view data, text;
  };
  const row rows[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.data);
    CHECK(base64_encode(r.data) == r.text);
    auto decoded = base64_decode(r.text);
    REQUIRE(decoded);
    CHECK(*decoded == r.data);
  }
}

TEST_CASE("base64 carries binary AUTH PLAIN payloads, NUL octets included") {
  const std::string plain = "\0app1\0change-me"s;
  CHECK(base64_encode(plain) == "AGFwcDEAY2hhbmdlLW1l");
  auto decoded = base64_decode("AGFwcDEAY2hhbmdlLW1l");
  REQUIRE(decoded);
  CHECK(*decoded == plain);

  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  CHECK(base64_encode("\xfb\xff\xbf") == "+/+/");
  auto round = base64_decode(base64_encode(all));
  REQUIRE(round);
  CHECK(*round == all);
}

TEST_CASE("strict base64 decoding refuses malformed input") {
  const std::string rows[] = {
      "Zg",            // padding missing
      "Zg=",           // length not a multiple of 4
      "Zm9vY",         // length not a multiple of 4
      "Zm9v ",         // trailing space
      "Zm9v\r\n",      // trailing CRLF
      "Zm 9",          // space inside
      "Zm9v\nYmFy",    // line break inside
      "Zm9-",          // URL-safe alphabet
      "Zm9_",          // URL-safe alphabet
      "Zm9*",          // not in any alphabet
      "Zm9\xc3",       // not ASCII
      "Zm9"s + '\0',   // NUL
      "Zg==Zm9v",      // data after padding
      "Zm8=Zm9v",      // data after padding
      "Zg=a",          // a digit after '='
      "Z===",          // too much padding
      "====",          // padding only
      "=Zm9",          // padding first
      "Zm9.",          // adapted base64 is not base64
  };
  for (const auto& text : rows) {
    CAPTURE(text);
    CHECK_FALSE(base64_decode(text));
  }
}

TEST_CASE("adapted base64 writes '.' for '+' and drops the padding") {
  CHECK(ab64_encode("\xfb\xff\xbf") == "././");
  CHECK(ab64_encode("\xfb\xff") == "./8");
  CHECK(ab64_encode("f") == "Zg");
  CHECK(ab64_encode("fo") == "Zm8");
  CHECK(ab64_encode("") == "");
  std::string salt;
  for (int i = 0; i < 16; ++i) salt += static_cast<char>(i);
  CHECK(ab64_encode(salt) == "AAECAwQFBgcICQoLDA0ODw");  // as passlib writes it

  auto decoded = ab64_decode("./8");
  REQUIRE(decoded);
  CHECK(*decoded == "\xfb\xff");
}

TEST_CASE("adapted base64 round-trips every length and byte") {
  std::string data;
  for (int n = 0; n < 64; ++n) {
    CAPTURE(n);
    auto decoded = ab64_decode(ab64_encode(data));
    REQUIRE(decoded);
    CHECK(*decoded == data);
    data += static_cast<char>(n * 37 + 251);  // walks through high and low bytes
  }
}

TEST_CASE("adapted base64 decoding refuses what passlib never writes") {
  const std::string rows[] = {
      "+/8",    // '+' belongs to standard base64
      "Zg==",   // padding
      "Zg=",    // padding
      "Z",      // one leftover digit carries no whole octet
      "Zm9vY",  // same after a whole group
      "Zm 9",   // whitespace
      "Zm9-",   // URL-safe alphabet
  };
  for (const auto& text : rows) {
    CAPTURE(text);
    CHECK_FALSE(ab64_decode(text));
  }
}

TEST_CASE("lenient base64 (MIME bodies): line breaks and garbage skipped, '=' ends the data") {
  CHECK(base64_decode_lenient("Zm9v\r\nYmFy") == "foobar");
  CHECK(base64_decode_lenient("Zm9v YmE=\r\nignored") == "fooba");
  CHECK(base64_decode_lenient("Z*m!9v") == "foo");
  CHECK(base64_decode_lenient("Zm9vY") == "foo");  // a partial group gives its whole octets only
  CHECK(base64_decode_lenient("") == "");
  CHECK(base64_decode_lenient("====") == "");
  CHECK(base64_decode_lenient(base64_encode(std::string("\0\xff\x80", 3))) == std::string("\0\xff\x80", 3));
}

}  // namespace
}  // namespace mfrelay::relay
