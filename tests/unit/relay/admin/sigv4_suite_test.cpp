// The AWS SigV4 test suite (aws-sig-v4-test-suite, 2015-08-30T12:36:00Z,
// us-east-1, service "service"; the same expected signatures botocore produces for
// these inputs): each request verifies, and our signer reproduces the signature.
#include <doctest/doctest.h>

#include <chrono>
#include <map>

#include "relay/admin/sigv4.hpp"
#include "botocore_vectors.hpp"

namespace mfrelay::relay {
namespace {

struct suite_case {
  const char* name;
  const char* method;
  const char* target;
  std::map<std::string, std::string> extra_headers;  // besides host and x-amz-date
  const char* body;
  const char* signed_headers;
  const char* signature;
};

const suite_case suite[] = {
    {"get-vanilla", "GET", "/", {}, "", "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-vanilla-query-order-key", "GET", "/?Param1=value2&Param1=Value1", {}, "", "host;x-amz-date",
     "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
    {"get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", {}, "", "host;x-amz-date",
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
    {"get-vanilla-query-order-value", "GET", "/?Param1=value2&Param1=value1", {}, "", "host;x-amz-date",
     "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
    {"get-vanilla-query-unreserved", "GET",
     "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
     {}, "", "host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
    {"get-vanilla-utf8-query", "GET", "/?\xe1\x88\xb4=bar", {}, "", "host;x-amz-date",
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
    {"get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", {}, "",
     "host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
    {"get-utf8", "GET", "/\xe1\x88\xb4", {}, "", "host;x-amz-date",
     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
    {"get-header-value-trim", "GET", "/", {{"my-header1", " value1"}, {"my-header2", " \"a   b   c\""}}, "",
     "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
    {"post-vanilla", "POST", "/", {}, "", "host;x-amz-date",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
    {"post-vanilla-query", "POST", "/?Param1=value1", {}, "", "host;x-amz-date",
     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
    {"post-header-value-case", "POST", "/", {{"my-header1", "VALUE1"}}, "", "host;my-header1;x-amz-date",
     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
    {"post-x-www-form-urlencoded", "POST", "/", {{"content-type", "application/x-www-form-urlencoded"}},
     "Param1=value1", "content-type;host;x-amz-date",
     "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
    {"post-x-www-form-urlencoded-parameters", "POST", "/",
     {{"content-type", "application/x-www-form-urlencoded; charset=utf8"}}, "Param1=value1",
     "content-type;host;x-amz-date", "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
    // normalize-path: dot segments resolved, empty segments dropped, as botocore does.
    {"normalize-path/get-relative", "GET", "/example/..", {}, "", "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"normalize-path/get-relative-relative", "GET", "/example1/example2/../..", {}, "", "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"normalize-path/get-slash", "GET", "//", {}, "", "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"normalize-path/get-slash-dot-slash", "GET", "/./", {}, "", "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"normalize-path/get-slash-pointless-dot", "GET", "/./example", {}, "", "host;x-amz-date",
     "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"},
    {"normalize-path/get-slashes", "GET", "//example//", {}, "", "host;x-amz-date",
     "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
    {"normalize-path/get-space", "GET", "/example space/", {}, "", "host;x-amz-date",
     "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
};

policy::timestamp suite_time() {
  using namespace std::chrono;
  return time_point_cast<policy::duration>(sys_days(year(2015) / August / 30) + hours(12) + minutes(36));
}

http_request unsigned_request(const suite_case& c) {
  http_request r;
  r.method = c.method;
  r.target = c.target;
  r.body = c.body;
  r.headers["host"] = "example.amazonaws.com";
  for (const auto& [name, value] : c.extra_headers) r.headers[name] = value;
  return r;
}

std::string expected_authorization(const suite_case& c) {
  return std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                     "SignedHeaders=") +
         c.signed_headers + ", Signature=" + c.signature;
}

TEST_CASE("AWS SigV4 test suite: every request verifies") {
  sigv4_rules rules;
  rules.service = "service";
  rules.region = "us-east-1";
  for (const auto& c : suite) {
    CAPTURE(c.name);
    http_request r = unsigned_request(c);
    r.headers["x-amz-date"] = "20150830T123600Z";
    r.headers["authorization"] = expected_authorization(c);
    sigv4_verdict v = verify_sigv4(r, test::example_keys(), suite_time(), rules);
    CHECK(v.status == sigv4_status::ok);
    CHECK(v.message == "");
  }
}

TEST_CASE("AWS SigV4 test suite: our signer reproduces every signature") {
  for (const auto& c : suite) {
    CAPTURE(c.name);
    http_request r = unsigned_request(c);
    sign_sigv4(r, {test::example_key_id, test::example_secret}, "us-east-1", "service", suite_time());
    CHECK(r.headers["authorization"] == expected_authorization(c));
  }
}

TEST_CASE("canonical pieces of the suite") {
  CHECK(sigv4_canonical_query("/?Param2=value2&Param1=value1") == "Param1=value1&Param2=value2");
  CHECK(sigv4_canonical_query("/?Param1=value2&Param1=Value1") == "Param1=Value1&Param1=value2");
  CHECK(sigv4_canonical_query("/?\xe1\x88\xb4=bar") == "%E1%88%B4=bar");
  CHECK(sigv4_canonical_query("/?flag") == "flag=");
  CHECK(sigv4_canonical_query("/?a=1&&b=2") == "a=1&b=2");
  CHECK(sigv4_canonical_query("/?k=a+b") == "k=a%2Bb");  // '+' is a plus in SigV4, never a space
  CHECK(sigv4_canonical_uri("/\xe1\x88\xb4") == "/%E1%88%B4");
  CHECK(sigv4_canonical_uri("/example space/") == "/example%20space/");
  CHECK(sigv4_canonical_uri("//example//") == "/example/");
}

TEST_CASE("x-amz-date round trip") {
  CHECK(amz_date(suite_time()) == "20150830T123600Z");
  CHECK(parse_amz_date("20150830T123600Z") == suite_time());
  CHECK(amz_date(test::botocore_signing_time()) == "20261126T073829Z");
  for (const char* bad : {"", "20150830T123600", "20150830 123600Z", "20151330T123600Z", "20150231T000000Z",
                          "20150830T246000Z", "2015-08-30T12:36:00Z", "20150830T12360aZ"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_amz_date(bad).has_value());
  }
}

}  // namespace
}  // namespace mfrelay::relay
