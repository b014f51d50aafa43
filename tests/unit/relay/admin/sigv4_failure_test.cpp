// Every way a SigV4 request fails, each told apart with AWS's code and wording,
// starting from a request botocore signed (so a pass would be a real hole).
#include <doctest/doctest.h>

#include <chrono>

#include "relay/admin/sigv4.hpp"
#include "botocore_vectors.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
using namespace std::chrono_literals;

sigv4_verdict verify(const http_request& r, policy::timestamp now = botocore_signing_time()) {
  return verify_sigv4(r, example_keys(), now);
}

void replace(std::string& s, std::string_view from, std::string_view to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
}

TEST_CASE("missing Authorization") {
  http_request r = botocore_v2_put_mail_from();
  r.headers.erase("authorization");
  sigv4_verdict v = verify(r);
  CHECK(v.status == sigv4_status::missing);
  CHECK(v.message == "Request is missing Authentication Token");
  CHECK(aws_error_code(v.status) == "MissingAuthenticationToken");
  CHECK(http_status_of(v.status) == 403);
}

TEST_CASE("presigned URLs are refused as malformed, not as missing") {
  http_request r = botocore_v2_put_mail_from();
  r.headers.erase("authorization");
  r.target += "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00";
  CHECK(verify(r).status == sigv4_status::malformed);
}

TEST_CASE("malformed Authorization headers") {
  struct bad_case {
    const char* name;
    std::string from, to;
    const char* message_part;
  };
  const bad_case bad_cases[] = {
      {"other algorithm", "AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA1 ", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'"},
      {"no Signature", ", Signature=4d36dfb6cdd2102f4b1c2a9035197c614e7e53aa0971e7cf3c87542ea9f0d229", "",
       "requires 'Signature' parameter"},
      {"no Credential", "Credential=AKIDEXAMPLE/20261126/us-west-2/ses/aws4_request, ", "",
       "requires 'Credential' parameter"},
      {"short credential", "/us-west-2/ses/aws4_request", "/us-west-2/aws4_request", "Credential must have the form"},
      {"credential not ending in aws4_request", "/ses/aws4_request", "/ses/aws5_request",
       "Credential must have the form"},
      {"short signature", "Signature=4d36", "Signature=", "64 lower-case hexadecimal"},
      {"upper-case signature", "Signature=4d36dfb6", "Signature=4D36DFB6", "64 lower-case hexadecimal"},
      {"upper-case signed header", "SignedHeaders=content-type", "SignedHeaders=Content-Type",
       "distinct lower-case header names"},
      {"host not signed", "content-type;host;x-amz-date", "content-type;x-amz-date",
       "must include 'host' and 'x-amz-date'"},
      {"x-amz-date not signed", "content-type;host;x-amz-date", "content-type;host",
       "must include 'host' and 'x-amz-date'"},
      {"signed header not sent", "content-type;host;x-amz-date", "content-type;host;x-amz-date;x-custom",
       "names 'x-custom', which the request does not carry"},
      {"repeated parameter", ", SignedHeaders=", ", Credential=x/20261126/a/b/aws4_request, SignedHeaders=",
       "'Credential' twice"},
  };
  for (const auto& c : bad_cases) {
    CAPTURE(c.name);
    http_request r = botocore_v2_put_mail_from();
    replace(r.headers["authorization"], c.from, c.to);
    sigv4_verdict v = verify(r);
    CHECK(v.status == sigv4_status::malformed);
    CHECK(v.message.find(c.message_part) != std::string::npos);
    CHECK(aws_error_code(v.status) == "IncompleteSignature");
    CHECK(http_status_of(v.status) == 403);
  }
}

TEST_CASE("x-amz-date missing or not ISO 8601 basic") {
  http_request r = botocore_v2_put_mail_from();
  r.headers["x-amz-date"] = "Thu, 26 Nov 2026 07:38:29 GMT";
  CHECK(verify(r).status == sigv4_status::malformed);
  CHECK(verify(r).message.find("Date must be in ISO-8601 'basic format'") == 0);
}

TEST_CASE("unknown access key") {
  http_request r = botocore_v2_put_mail_from();
  replace(r.headers["authorization"], "Credential=AKIDEXAMPLE/", "Credential=AKIDOTHER/");
  sigv4_verdict v = verify(r);
  CHECK(v.status == sigv4_status::unknown_key);
  CHECK(v.message == "The security token included in the request is invalid.");
  CHECK(v.access_key_id == "AKIDOTHER");
  CHECK(aws_error_code(v.status) == "InvalidClientTokenId");
  CHECK(http_status_of(v.status) == 403);
  CHECK(verify_sigv4(botocore_v2_put_mail_from(), {}, botocore_signing_time()).status == sigv4_status::unknown_key);
}

TEST_CASE("a security token is refused, signed or not: mfrelay issues none") {
  SUBCASE("signed header") {
    http_request r = botocore_v2_put_mail_from();
    r.headers["x-amz-security-token"] = "FQoGZXIvYXdzEBogus";
    replace(r.headers["authorization"], "SignedHeaders=content-type;host;x-amz-date",
            "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token");
    sigv4_verdict v = verify(r);
    CHECK(v.status == sigv4_status::invalid_token);
    CHECK(v.message == "The security token included in the request is invalid.");
    CHECK(aws_error_code_for(v.status, false) == "InvalidClientTokenId");
    CHECK(aws_error_code_for(v.status, true) == "UnrecognizedClientException");
    CHECK(http_status_of(v.status) == 403);
  }
  SUBCASE("unsigned header, on an otherwise valid request") {
    http_request r = botocore_v2_put_mail_from();
    r.headers["x-amz-security-token"] = "x";
    CHECK(verify(r).status == sigv4_status::invalid_token);
  }
  SUBCASE("in the query") {
    http_request r = botocore_v2_put_mail_from();
    r.query.emplace("X-Amz-Security-Token", "x");
    CHECK(verify(r).status == sigv4_status::invalid_token);
  }
  CHECK(aws_error_code_for(sigv4_status::unknown_key, true) == "UnrecognizedClientException");
  CHECK(aws_error_code_for(sigv4_status::signature_mismatch, true) == "SignatureDoesNotMatch");
}

TEST_CASE("signature mismatch: anything signed changed, or the wrong secret") {
  const char* mismatch =
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
      "Access Key and signing method. Consult the service documentation for details.";
  SUBCASE("body") {
    http_request r = botocore_v2_put_mail_from();
    replace(r.body, "REJECT_MESSAGE", "USE_DEFAULT_VALUE");
    CHECK(verify(r).status == sigv4_status::signature_mismatch);
    CHECK(verify(r).message == mismatch);
  }
  SUBCASE("path") {
    http_request r = botocore_v2_put_mail_from();
    replace(r.target, "billing", "alerts");
    CHECK(verify(r).status == sigv4_status::signature_mismatch);
  }
  SUBCASE("method") {
    http_request r = botocore_v2_put_mail_from();
    r.method = "POST";
    CHECK(verify(r).status == sigv4_status::signature_mismatch);
  }
  SUBCASE("query added") {
    http_request r = botocore_v2_put_mail_from();
    r.target += "?x=1";
    CHECK(verify(r).status == sigv4_status::signature_mismatch);
  }
  SUBCASE("a signed header") {
    http_request r = botocore_v2_put_mail_from();
    r.headers["host"] = "127.0.0.1:8026";
    CHECK(verify(r).status == sigv4_status::signature_mismatch);
  }
  SUBCASE("the signature itself") {
    http_request r = botocore_v2_put_mail_from();
    replace(r.headers["authorization"], "Signature=4d36", "Signature=4d37");
    CHECK(verify(r).status == sigv4_status::signature_mismatch);
  }
  SUBCASE("wrong secret") {
    std::vector<policy::admin_key> keys = example_keys();
    keys[0].secret_access_key = "not-the-secret";
    sigv4_verdict v = verify_sigv4(botocore_v2_put_mail_from(), keys, botocore_signing_time());
    CHECK(v.status == sigv4_status::signature_mismatch);
    CHECK(v.message.find("not-the-secret") == std::string::npos);
  }
  SUBCASE("unsigned headers may change") {
    http_request r = botocore_v2_put_mail_from();
    r.headers["user-agent"] = "something else";
    CHECK(verify(r).ok());
  }
  CHECK(aws_error_code(sigv4_status::signature_mismatch) == "SignatureDoesNotMatch");
  CHECK(http_status_of(sigv4_status::signature_mismatch) == 403);
}

TEST_CASE("credential scope that does not fit") {
  SUBCASE("date differs from x-amz-date's") {
    http_request r = botocore_v2_put_mail_from();
    r.headers["x-amz-date"] = "20261127T073829Z";
    sigv4_verdict v = verify(r, botocore_signing_time() + 24h);
    CHECK(v.status == sigv4_status::signature_mismatch);
    CHECK(v.message ==
          "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261126' != "
          "'20261127', from '20261127T073829Z'.");
  }
  SUBCASE("another service") {
    http_request r = botocore_v2_put_mail_from();
    replace(r.headers["authorization"], "/ses/", "/sqs/");
    sigv4_verdict v = verify(r);
    CHECK(v.status == sigv4_status::signature_mismatch);
    CHECK(v.message == "Credential should be scoped to correct service: 'ses'.");
  }
  SUBCASE("a region rule") {
    sigv4_rules rules;
    rules.region = "eu-west-1";
    CHECK(verify_sigv4(botocore_v2_put_mail_from(), example_keys(), botocore_signing_time(), rules).status ==
          sigv4_status::signature_mismatch);
    rules.region = "us-west-2";
    CHECK(verify_sigv4(botocore_v2_put_mail_from(), example_keys(), botocore_signing_time(), rules).ok());
  }
}

TEST_CASE("x-amz-date more than five minutes away, either way") {
  http_request r = botocore_v2_put_mail_from();
  CHECK(verify(r, botocore_signing_time() + 5min).ok());
  CHECK(verify(r, botocore_signing_time() - 5min).ok());

  sigv4_verdict late = verify(r, botocore_signing_time() + 5min + 1s);
  CHECK(late.status == sigv4_status::expired);
  CHECK(late.message ==
        "Signature expired: 20261126T073829Z is now earlier than 20261126T073830Z (20261126T074330Z - 5 min.)");
  sigv4_verdict early = verify(r, botocore_signing_time() - 6min);
  CHECK(early.status == sigv4_status::expired);
  CHECK(early.message ==
        "Signature not yet current: 20261126T073829Z is still later than 20261126T073729Z (20261126T073229Z + 5 "
        "min.)");
  CHECK(aws_error_code(sigv4_status::expired) == "RequestTimeTooSkewed");
  CHECK(http_status_of(sigv4_status::expired) == 403);
}

TEST_CASE("x-amz-content-sha256: must be the body's hash; unsigned payloads refused") {
  http_request r = botocore_v2_put_mail_from();
  SUBCASE("the right hash (botocore then signs it as the payload hash)") {
    r.headers["x-amz-content-sha256"] = sha256_hex(r.body);
    CHECK(verify(r).ok());
  }
  SUBCASE("a wrong hash") {
    r.headers["x-amz-content-sha256"] = sha256_hex("something else");
    sigv4_verdict v = verify(r);
    CHECK(v.status == sigv4_status::payload_mismatch);
    CHECK(aws_error_code(v.status) == "XAmzContentSHA256Mismatch");
    CHECK(http_status_of(v.status) == 400);
  }
  SUBCASE("UNSIGNED-PAYLOAD") {
    r.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
    CHECK(verify(r).status == sigv4_status::malformed);
  }
  SUBCASE("streaming") {
    r.headers["x-amz-content-sha256"] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    CHECK(verify(r).status == sigv4_status::malformed);
  }
}

}  // namespace
}  // namespace mfrelay::relay
