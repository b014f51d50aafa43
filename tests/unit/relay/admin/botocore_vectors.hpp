// Requests exactly as Debian's awscli (its bundled botocore) signs them, made by
// make_sigv4_vectors.py at 2026-11-26T07:38:29Z with the AWS documentation's
// example key, and the canonical requests botocore logged. Test code only.
#pragma once
#include <chrono>
#include <string>

#include "policy/config.hpp"
#include "relay/common/http_message.hpp"

namespace mfrelay::relay::test {

inline constexpr const char* example_key_id = "AKIDEXAMPLE";
inline constexpr const char* example_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
inline constexpr const char* botocore_user_agent = "Botocore/2.0.0dev155 Python/3.11.2 Linux/6.18.44";

inline std::vector<policy::admin_key> example_keys() {
  policy::admin_key key;
  key.access_key_id = example_key_id;
  key.secret_access_key = example_secret;
  return {key};
}

// 2026-11-26T07:38:29Z
inline policy::timestamp botocore_signing_time() {
  using namespace std::chrono;
  return time_point_cast<policy::duration>(sys_days(year(2026) / November / 26) + hours(7) + minutes(38) +
                                           seconds(29));
}

inline http_request botocore_request(std::string method, std::string target, std::string content_type,
                                     std::string signed_headers, std::string signature, std::string body) {
  http_request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers["host"] = "127.0.0.1:8025";  // added by urllib3, as botocore signed it
  if (!content_type.empty()) r.headers["content-type"] = std::move(content_type);
  r.headers["user-agent"] = botocore_user_agent;  // sent, not signed
  r.headers["x-amz-date"] = "20261126T073829Z";
  r.headers["authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-west-2/ses/aws4_request, "
                               "SignedHeaders=" + signed_headers + ", Signature=" + signature;
  if (!body.empty()) r.headers["content-length"] = std::to_string(body.size());
  r.body = std::move(body);
  return r;
}

// aws ses set-identity-mail-from-domain (v1 query protocol: a form body POSTed to /).
inline http_request botocore_v1_set_mail_from() {
  return botocore_request("POST", "/", "application/x-www-form-urlencoded; charset=utf-8",
                          "content-type;host;x-amz-date",
                          "829603b37dfba17d318842b449679d80c31945fda34a4d640fa14b67fb28cad5",
                          "Action=SetIdentityMailFromDomain&Version=2010-12-01&Identity=billing%40example.com"
                          "&MailFromDomain=bounce.example.com&BehaviorOnMXFailure=RejectMessage");
}
inline const char* botocore_v1_canonical =
    "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:127.0.0.1:8025\n"
    "x-amz-date:20261126T073829Z\n\ncontent-type;host;x-amz-date\n"
    "1c63de3b212ced097148038bf32cb91dfcd5daff3b90b710ba517656c1f88621";

// aws sesv2 put-email-identity-mail-from-attributes (rest-json: the identity is a
// path label, percent-encoded by botocore: '@' -> %40).
inline http_request botocore_v2_put_mail_from() {
  return botocore_request("PUT", "/v2/email/identities/billing%40example.com/mail-from", "application/json",
                          "content-type;host;x-amz-date",
                          "4d36dfb6cdd2102f4b1c2a9035197c614e7e53aa0971e7cf3c87542ea9f0d229",
                          R"({"MailFromDomain": "bounce.example.com", "BehaviorOnMxFailure": "REJECT_MESSAGE"})");
}
inline const char* botocore_v2_put_canonical =
    "PUT\n/v2/email/identities/billing%2540example.com/mail-from\n\ncontent-type:application/json\n"
    "host:127.0.0.1:8025\nx-amz-date:20261126T073829Z\n\ncontent-type;host;x-amz-date\n"
    "2e5004613448b11192f745200873a2d7f0079560e9c86dcfcea00258c5bac8b7";

// aws sesv2 get-email-identity --email-identity 'we%ird+x@example.com': '%' and '+' in a label.
inline http_request botocore_v2_get_odd_identity() {
  return botocore_request("GET", "/v2/email/identities/we%25ird%2Bx%40example.com", "", "host;x-amz-date",
                          "90891247ba138ab7fe85b964ed15984e1179a10e24a541ad2b81274838b70552", "");
}
inline const char* botocore_v2_get_canonical =
    "GET\n/v2/email/identities/we%2525ird%252Bx%2540example.com\n\nhost:127.0.0.1:8025\n"
    "x-amz-date:20261126T073829Z\n\nhost;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// aws sesv2 list-email-identities with a NextToken full of reserved characters (query string).
inline http_request botocore_v2_list_with_query() {
  return botocore_request("GET", "/v2/email/identities?NextToken=a%20b%2Fc%2Bd%3D~%2A&PageSize=10", "",
                          "host;x-amz-date", "c1cb645999b0749bc36252b4cef771e3ef81be156842c54ede665b790cfbd2f0", "");
}
inline const char* botocore_v2_list_canonical =
    "GET\n/v2/email/identities\nNextToken=a%20b%2Fc%2Bd%3D~%2A&PageSize=10\nhost:127.0.0.1:8025\n"
    "x-amz-date:20261126T073829Z\n\nhost;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace mfrelay::relay::test
