// AWS SigV4 (AWS4-HMAC-SHA256) exactly as botocore computes it for non-S3 services:
// verification for the admin API, signing for mfrelay's CLI. Pure (the clock is a
// parameter), any thread. Verified requests are client input; no message carries a secret.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/config.hpp"
#include "policy/time.hpp"
#include "relay/common/http_message.hpp"

namespace mfrelay::relay {

struct sigv4_credentials {
  std::string access_key_id;
  std::string secret_access_key;
};

enum class sigv4_status {
  ok,
  missing,             // no Authorization header
  malformed,           // not AWS4-HMAC-SHA256, parts missing, host or x-amz-date unsigned, bad x-amz-date, unsigned payload
  unknown_key,         // the access key id is not one of [[admin.key]]
  invalid_token,       // an X-Amz-Security-Token: mfrelay issues no session tokens, so none is valid
  signature_mismatch,  // wrong signature, or a credential scope that does not fit (date, service, region)
  expired,             // x-amz-date further than the allowed skew from now, either way
  payload_mismatch,    // x-amz-content-sha256 is not the SHA-256 of the body
};

struct sigv4_verdict {
  sigv4_status status = sigv4_status::ok;
  std::string message;        // for the client, in AWS's words; "" when ok
  std::string access_key_id;  // the key the request named (also on failure, for logs; "" when unparsed)
  bool ok() const { return status == sigv4_status::ok; }
};

struct sigv4_rules {
  std::string service = "ses";  // the credential scope's service; "" = any
  std::string region;           // the credential scope's region; "" = any
  policy::duration max_skew = std::chrono::minutes(5);
};

// Checks request.headers["authorization"] against `keys`. `request.headers` must
// have lower-case names, repeated headers joined with ',' (http_server does so);
// `request.target` is the request-target exactly as sent.
//
// A security token (header or query X-Amz-Security-Token) is refused as
// invalid_token, signed or not: mfrelay has no temporary credentials, and SES
// refuses a token it did not issue.
//
// Payload: when x-amz-content-sha256 is present it is what was signed (botocore
// does the same), so it must equal the body's SHA-256 (else payload_mismatch);
// UNSIGNED-PAYLOAD and the STREAMING-* values are refused (malformed): the body
// carries the whole action here, and plain HTTP gives it no other integrity.
sigv4_verdict verify_sigv4(const http_request& request, const std::vector<policy::admin_key>& keys,
                           policy::timestamp now, const sigv4_rules& rules = {});

// AWS's error code and the HTTP status for a failed verdict:
// missing -> 403 MissingAuthenticationToken, malformed -> 403 IncompleteSignature,
// unknown_key and invalid_token -> 403 InvalidClientTokenId (SES v2 says
// UnrecognizedClientException: see aws_error_code_for), signature_mismatch -> 403 SignatureDoesNotMatch,
// expired -> 403 RequestTimeTooSkewed, payload_mismatch -> 400 XAmzContentSHA256Mismatch.
std::string_view aws_error_code(sigv4_status status);
// The same, in the words of the API the request went to: SES v2 (rest_json =
// true) names an unknown key or token UnrecognizedClientException.
std::string_view aws_error_code_for(sigv4_status status, bool rest_json);
int http_status_of(sigv4_status status);

// Client side: sets headers "x-amz-date" and "authorization" (replacing any).
// request.headers must hold lower-case names and "host" as it will be sent; every
// header present is signed except user-agent, expect and content-length.
void sign_sigv4(http_request& request, const sigv4_credentials& credentials, std::string_view region,
                std::string_view service, policy::timestamp now);

// The pieces, for tests and for debugging a client that disagrees.
std::string sigv4_canonical_uri(std::string_view target);    // path of the target, normalized and encoded again
std::string sigv4_canonical_query(std::string_view target);  // query of the target, re-encoded and sorted
std::string sigv4_canonical_request(const http_request& request, const std::vector<std::string>& signed_headers,
                                    std::string_view payload_hash);
std::string sha256_hex(std::string_view bytes);

// "20261126T073829Z" (ISO 8601 basic, UTC, whole seconds).
std::string amz_date(policy::timestamp t);
std::optional<policy::timestamp> parse_amz_date(std::string_view text);

}  // namespace mfrelay::relay
