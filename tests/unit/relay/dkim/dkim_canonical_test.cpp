// Relaxed canonicalization: RFC 6376's own example, and the streaming body hash
// giving the same answer however DATA is cut into reads.
#include <doctest/doctest.h>

#include <string>

#include "relay/auth/base64.hpp"
#include "relay/dkim/dkim_canonical.hpp"
#include "relay/dkim/message_tap.hpp"

namespace mfrelay::relay::dkim {
namespace {

std::string b64(const sha256::digest& d) {
  return base64_encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

std::string body_hash(std::string_view body) {
  relaxed_body_hash h;
  h.feed(body);
  return b64(h.finish());
}

std::string sha_of(std::string_view bytes) {
  sha256 h;
  h.update(bytes);
  return b64(h.finish());
}

TEST_CASE("relaxed header canonicalization: RFC 6376 3.4.5's example") {
  CHECK(relaxed_header("A: X\r\n") == "a:X\r\n");
  CHECK(relaxed_header("B : Y\t\r\n\tZ  \r\n") == "b:Y Z\r\n");
  CHECK(relaxed_header("Subject:   several   spaces\t and tabs  ") == "subject:several spaces and tabs\r\n");
}

TEST_CASE("relaxed body canonicalization: RFC 6376 3.4.5's example") {
  CHECK(body_hash(" C \r\nD \t E\r\n\r\n\r\n") == sha_of(" C\r\nD E\r\n"));
}

TEST_CASE("relaxed body: empty lines at the end go, inner ones stay, a last line gets its CRLF") {
  CHECK(body_hash("") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");  // SHA-256 of nothing
  CHECK(body_hash("\r\n\r\n") == body_hash(""));
  CHECK(body_hash("a\r\n\r\n \t\r\nb\r\n  \r\n\r\n") == sha_of("a\r\n\r\n\r\nb\r\n"));
  CHECK(body_hash("no newline") == sha_of("no newline\r\n"));
}

TEST_CASE("the body hash does not depend on how the body is cut into chunks") {
  std::string body = "Line one  \r\n\tindented\t\ttext \r\n\r\n\r\nlast \r\n\r\n";
  std::string whole = body_hash(body);
  for (std::size_t step : {1u, 2u, 3u, 5u}) {
    relaxed_body_hash h;
    for (std::size_t i = 0; i < body.size(); i += step) h.feed(std::string_view(body).substr(i, step));
    CHECK(b64(h.finish()) == whole);
  }
}

TEST_CASE("message_tap: the header block is kept, the body hashed, the blank line found across reads") {
  std::string message = "From: a@example.com\r\nSubject: hi\r\n\r\nbody  text\r\n";
  for (std::size_t step : {1u, 7u, 1000u}) {
    message_tap tap(1024);
    for (std::size_t i = 0; i < message.size(); i += step) tap.feed(std::string_view(message).substr(i, step));
    CHECK(b64(tap.finish()) == sha_of("body text\r\n"));
    CHECK(tap.header_block() == "From: a@example.com\r\nSubject: hi\r\n");
    CHECK_FALSE(tap.overflowed());
  }
}

TEST_CASE("message_tap: a header block past the limit cannot be signed") {
  message_tap tap(16);
  tap.feed("X-Long: " + std::string(100, 'x') + "\r\n");
  tap.feed("\r\nbody\r\n");
  CHECK(tap.overflowed());
}

}  // namespace
}  // namespace mfrelay::relay::dkim
