// The envelope line of a spool file: exact round trip, strict rejection.
#include <doctest/doctest.h>

#include "relay/spool/envelope_json.hpp"
#include "spool_fixture.hpp"

namespace mfrelay::relay::test {

TEST_CASE("envelope JSON round trips every byte, null sender included") {
  envelope e = make_envelope(make_id());
  e.original_sender = "";  // MAIL FROM:<>
  e.recipients = {std::string("nul\0inside@example.com", 22), "\xff\xfe-not-utf8@example.com", "\"quoted\\\"@x"};
  e.metadata = "{\"session\":{\"clientIp\":\"192.0.2.1\"},\"x\":\"\xc3\x28\"}";
  std::string text = envelope_to_json(e);
  CHECK(text.back() == '\n');
  auto back = envelope_from_json(text);
  REQUIRE(back);
  CHECK(*back == e);
}

TEST_CASE("envelope JSON with no recipients and negative time still round trips") {
  envelope e = make_envelope(make_id(), -5);
  e.recipients.clear();
  auto back = envelope_from_json(envelope_to_json(e));
  REQUIRE(back);
  CHECK(*back == e);
}

TEST_CASE("envelope JSON rejects anything not exactly in shape") {
  const char* bad[] = {
      "",
      "garbage",
      "[]",
      R"({"version":1})",
      // wrong version
      R"({"version":2,"id":"i","originalSender":"","returnPath":"r","recipients":[],"receivedAt":1,"metadata":""})",
      // wrong types
      R"({"version":1,"id":5,"originalSender":"","returnPath":"r","recipients":[],"receivedAt":1,"metadata":""})",
      R"({"version":1,"id":"i","originalSender":"","returnPath":"r","recipients":[1],"receivedAt":1,"metadata":""})",
      R"({"version":1,"id":"i","originalSender":"","returnPath":"r","recipients":"a","receivedAt":1,"metadata":""})",
      R"({"version":1,"id":"i","originalSender":"","returnPath":"r","recipients":[],"receivedAt":"1","metadata":""})",
      R"({"version":1,"id":"i","originalSender":"","returnPath":"r","recipients":[],"receivedAt":1.5,"metadata":""})",
      R"({"version":1,"id":"i","originalSender":"","returnPath":"r","recipients":[],"receivedAt":1,"metadata":{}})",
      // a field missing, a field too many
      R"({"version":1,"id":"i","originalSender":"","returnPath":"r","recipients":[],"receivedAt":1})",
      R"({"version":1,"id":"i","originalSender":"","returnPath":"r","recipients":[],"receivedAt":1,"metadata":"","x":1})",
      // cut short
      R"({"version":1,"id":"i","originalSender":"","returnPath":"r","recipients":[],"receivedAt":1,"metadata":")",
  };
  for (const char* text : bad) {
    CAPTURE(text);
    CHECK_FALSE(envelope_from_json(text));
  }
  std::string good =
      R"({"version":1,"id":"i","originalSender":"","returnPath":"r","recipients":[],"receivedAt":1,"metadata":""})";
  CHECK(envelope_from_json(good));
}

}  // namespace mfrelay::relay::test
