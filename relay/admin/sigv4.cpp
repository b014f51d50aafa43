#include "relay/admin/sigv4.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>
#include <utility>

#include "relay/admin/uri_encoding.hpp"

namespace mfrelay::relay {
namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";
constexpr std::string_view streaming_prefix = "STREAMING-";

using digest = std::array<unsigned char, 32>;

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0xF]);
  }
  return out;
}

digest hmac_sha256(std::string_view key, std::string_view data) {
  digest out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out.data(), &length);
  return out;
}

std::string_view as_view(const digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

// Lower-case hex of HMAC-SHA256 with the key derived for (date, region, service).
std::string signature_of(std::string_view secret, std::string_view date, std::string_view region,
                         std::string_view service, std::string_view string_to_sign) {
  std::string first_key = "AWS4";
  first_key.append(secret);
  digest k_date = hmac_sha256(first_key, date);
  OPENSSL_cleanse(first_key.data(), first_key.size());
  digest k_region = hmac_sha256(as_view(k_date), region);
  digest k_service = hmac_sha256(as_view(k_region), service);
  digest k_signing = hmac_sha256(as_view(k_service), "aws4_request");
  digest signature = hmac_sha256(as_view(k_signing), string_to_sign);
  return hex(signature.data(), signature.size());
}

// Trimall: no leading or trailing white space, each inner run of it one space
// (botocore: ' '.join(value.split())).
std::string trim_all(std::string_view value) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view header(const http_request& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string_view{} : std::string_view(it->second);
}

std::string string_to_sign(std::string_view date_time, std::string_view scope, std::string_view canonical_request) {
  std::string sts(algorithm);
  sts.append("\n").append(date_time).append("\n").append(scope).append("\n");
  sts.append(sha256_hex(canonical_request));
  return sts;
}

struct authorization {
  std::string access_key_id;
  std::string date;     // YYYYMMDD
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;

  std::string scope() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool header_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// "AWS4-HMAC-SHA256 Credential=K/D/R/S/aws4_request, SignedHeaders=a;b, Signature=hex"
// (parameters in any order, ',' with optional white space between them).
std::optional<authorization> parse_authorization(std::string_view text, std::string& why) {
  text = trim(text);
  std::size_t space = text.find(' ');
  std::string_view scheme = text.substr(0, space);
  if (scheme != algorithm) {
    why = "Unsupported AWS 'algorithm': '" + std::string(scheme.substr(0, 40)) + "'.";
    return std::nullopt;
  }
  std::string_view rest = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  std::optional<std::string_view> credential, signed_headers, signature;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view part = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      why = "Authorization header parameter without '=': each must be name=value.";
      return std::nullopt;
    }
    std::string_view name = part.substr(0, eq), value = part.substr(eq + 1);
    std::optional<std::string_view>* slot = name == "Credential"      ? &credential
                                            : name == "SignedHeaders" ? &signed_headers
                                            : name == "Signature"     ? &signature
                                                                      : nullptr;
    if (!slot) continue;  // AWS ignores parameters it does not know
    if (*slot) {
      why = "Authorization header has '" + std::string(name) + "' twice.";
      return std::nullopt;
    }
    *slot = value;
  }
  std::string missing;
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!missing.empty()) {
    missing.pop_back();
    why = missing;
    return std::nullopt;
  }

  authorization a;
  std::vector<std::string_view> parts;
  for (std::string_view c = *credential;;) {
    std::size_t slash = c.find('/');
    parts.push_back(c.substr(0, slash));
    if (slash == std::string_view::npos) break;
    c = c.substr(slash + 1);
  }
  if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || parts[2].empty() || parts[3].empty() ||
      parts[4] != "aws4_request") {
    why = "Credential must have the form ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request.";
    return std::nullopt;
  }
  a.access_key_id = parts[0];
  a.date = parts[1];
  a.region = parts[2];
  a.service = parts[3];

  std::set<std::string_view> seen;
  for (std::string_view h = *signed_headers;;) {
    std::size_t semi = h.find(';');
    std::string_view name = h.substr(0, semi);
    if (name.empty() || !std::all_of(name.begin(), name.end(), header_name_char) || !seen.insert(name).second) {
      why = "SignedHeaders must be distinct lower-case header names separated by ';'.";
      return std::nullopt;
    }
    a.signed_headers.emplace_back(name);
    if (semi == std::string_view::npos) break;
    h = h.substr(semi + 1);
  }

  if (signature->size() != 64 || !lower_hex(*signature)) {
    why = "Signature must be 64 lower-case hexadecimal digits.";
    return std::nullopt;
  }
  a.signature = *signature;
  return a;
}

sigv4_verdict fail(sigv4_status status, std::string message, std::string access_key_id = {}) {
  sigv4_verdict v;
  v.status = status;
  v.message = std::move(message);
  v.access_key_id = std::move(access_key_id);
  return v;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  digest d{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), d.data(), &length, EVP_sha256(), nullptr);
  return hex(d.data(), d.size());
}

std::string amz_date(policy::timestamp t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd(day);
  hh_mm_ss<seconds> time(floor<seconds>(t - day));
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d%02u%02uT%02lld%02lld%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(time.hours().count()), static_cast<long long>(time.minutes().count()),
                static_cast<long long>(time.seconds().count()));
  return buffer;
}

std::optional<policy::timestamp> parse_amz_date(std::string_view text) {
  using namespace std::chrono;
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  auto number = [&](std::size_t at, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  int y = number(0, 4), mo = number(4, 2), d = number(6, 2), h = number(9, 2), mi = number(11, 2), s = number(13, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return std::nullopt;
  year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return time_point_cast<policy::duration>(sys_days(ymd) + hours(h) + minutes(mi) + seconds(s));
}

std::string sigv4_canonical_uri(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  // botocore: quote(remove_dot_segments(path), safe='/~'). The path is taken as
  // sent, so what the client already percent-encoded is encoded a second time:
  // "/v2/email/identities/billing%40example.com" -> ".../billing%2540example.com".
  return uri_encode(remove_dot_segments(path), true);
}

std::string sigv4_canonical_query(std::string_view target) {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  std::vector<std::pair<std::string, std::string>> pairs;
  // Decoded and encoded again with the unreserved set: what a conforming client
  // sent is unchanged by this, and '+' stays a literal plus (%2B), as SigV4 says.
  for_each_query_pair(query, [&](std::string_view key, std::string_view value) {
    pairs.emplace_back(uri_encode(percent_decode(key)), uri_encode(percent_decode(value)));
  });
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out.append(key).append("=").append(value);
  }
  return out;
}

std::string sigv4_canonical_request(const http_request& request, const std::vector<std::string>& signed_headers,
                                    std::string_view payload_hash) {
  std::string cr = request.method;
  cr.append("\n").append(sigv4_canonical_uri(request.target));
  cr.append("\n").append(sigv4_canonical_query(request.target)).append("\n");
  std::string names;
  for (const auto& name : signed_headers) {
    cr.append(name).append(":").append(trim_all(header(request, name))).append("\n");
    if (!names.empty()) names.push_back(';');
    names.append(name);
  }
  cr.append("\n").append(names).append("\n").append(payload_hash);
  return cr;
}

sigv4_verdict verify_sigv4(const http_request& request, const std::vector<policy::admin_key>& keys,
                           policy::timestamp now, const sigv4_rules& rules) {
  auto auth_header = request.headers.find("authorization");
  if (auth_header == request.headers.end()) {
    if (request.query.count("X-Amz-Signature") || request.target.find("X-Amz-Signature=") != std::string::npos)
      return fail(sigv4_status::malformed, "Query-string (presigned) authentication is not supported: sign the "
                                           "Authorization header.");
    return fail(sigv4_status::missing, "Request is missing Authentication Token");
  }
  std::string why;
  auto auth = parse_authorization(auth_header->second, why);
  if (!auth) return fail(sigv4_status::malformed, why);

  // Checked before the key, as SES does: a token it did not issue is refused
  // whatever the signature says. mfrelay issues none.
  if (request.headers.count("x-amz-security-token") || request.query.count("X-Amz-Security-Token"))
    return fail(sigv4_status::invalid_token, "The security token included in the request is invalid.",
                auth->access_key_id);

  auto key = std::find_if(keys.begin(), keys.end(),
                          [&](const policy::admin_key& k) { return k.access_key_id == auth->access_key_id; });
  if (key == keys.end())
    return fail(sigv4_status::unknown_key, "The security token included in the request is invalid.",
                auth->access_key_id);

  auto signs = [&](const char* name) {
    return std::find(auth->signed_headers.begin(), auth->signed_headers.end(), name) != auth->signed_headers.end();
  };
  if (!signs("host") || !signs("x-amz-date"))
    return fail(sigv4_status::malformed, "SignedHeaders must include 'host' and 'x-amz-date'.", auth->access_key_id);
  for (const auto& name : auth->signed_headers) {
    if (!request.headers.count(name))
      return fail(sigv4_status::malformed, "SignedHeaders names '" + name + "', which the request does not carry.",
                  auth->access_key_id);
  }

  std::string date_time(header(request, "x-amz-date"));
  auto signed_at = parse_amz_date(date_time);
  if (!signed_at)
    return fail(sigv4_status::malformed,
                "Date must be in ISO-8601 'basic format'. Got '" + date_time.substr(0, 40) +
                    "'. See http://en.wikipedia.org/wiki/ISO_8601",
                auth->access_key_id);
  if (date_time.substr(0, 8) != auth->date)
    return fail(sigv4_status::signature_mismatch,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                    auth->date + "' != '" + date_time.substr(0, 8) + "', from '" + date_time + "'.",
                auth->access_key_id);
  if (!rules.service.empty() && auth->service != rules.service)
    return fail(sigv4_status::signature_mismatch,
                "Credential should be scoped to correct service: '" + rules.service + "'.", auth->access_key_id);
  if (!rules.region.empty() && auth->region != rules.region)
    return fail(sigv4_status::signature_mismatch,
                "Credential should be scoped to a valid region, not '" + auth->region + "'.", auth->access_key_id);

  // AWS's wording for both directions of clock skew.
  std::string now_text = amz_date(now);
  if (*signed_at < now - rules.max_skew) {
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(rules.max_skew).count();
    return fail(sigv4_status::expired,
                "Signature expired: " + date_time + " is now earlier than " + amz_date(now - rules.max_skew) + " (" +
                    now_text + " - " + std::to_string(minutes) + " min.)",
                auth->access_key_id);
  }
  if (*signed_at > now + rules.max_skew) {
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(rules.max_skew).count();
    return fail(sigv4_status::expired,
                "Signature not yet current: " + date_time + " is still later than " +
                    amz_date(now + rules.max_skew) + " (" + now_text + " + " + std::to_string(minutes) + " min.)",
                auth->access_key_id);
  }

  std::string body_hash = sha256_hex(request.body);
  std::string payload_hash = body_hash;
  if (auto claimed = request.headers.find("x-amz-content-sha256"); claimed != request.headers.end()) {
    std::string_view value = claimed->second;
    if (value == unsigned_payload || value.substr(0, streaming_prefix.size()) == streaming_prefix)
      return fail(sigv4_status::malformed,
                  "x-amz-content-sha256 '" + std::string(value.substr(0, 40)) +
                      "' is not accepted: the body must be signed (send its SHA-256, or leave the header out).",
                  auth->access_key_id);
    if (lower(value) != body_hash)
      return fail(sigv4_status::payload_mismatch,
                  "The provided 'x-amz-content-sha256' header does not match what was computed.",
                  auth->access_key_id);
    payload_hash = value;  // signed as sent, as botocore does
  }

  std::string canonical = sigv4_canonical_request(request, auth->signed_headers, payload_hash);
  std::string expected = signature_of(key->secret_access_key, auth->date, auth->region, auth->service,
                                      string_to_sign(date_time, auth->scope(), canonical));
  if (CRYPTO_memcmp(expected.data(), auth->signature.data(), expected.size()) != 0)
    return fail(sigv4_status::signature_mismatch,
                "The request signature we calculated does not match the signature you provided. Check your AWS "
                "Secret Access Key and signing method. Consult the service documentation for details.",
                auth->access_key_id);

  sigv4_verdict ok;
  ok.access_key_id = auth->access_key_id;
  return ok;
}

std::string_view aws_error_code(sigv4_status status) {
  switch (status) {
    case sigv4_status::ok: return "";
    case sigv4_status::missing: return "MissingAuthenticationToken";
    case sigv4_status::malformed: return "IncompleteSignature";
    case sigv4_status::unknown_key:
    case sigv4_status::invalid_token: return "InvalidClientTokenId";
    case sigv4_status::signature_mismatch: return "SignatureDoesNotMatch";
    case sigv4_status::expired: return "RequestTimeTooSkewed";
    case sigv4_status::payload_mismatch: return "XAmzContentSHA256Mismatch";
  }
  return "AccessDenied";
}

std::string_view aws_error_code_for(sigv4_status status, bool rest_json) {
  if (rest_json && (status == sigv4_status::unknown_key || status == sigv4_status::invalid_token))
    return "UnrecognizedClientException";
  return aws_error_code(status);
}

int http_status_of(sigv4_status status) {
  switch (status) {
    case sigv4_status::ok: return 200;
    case sigv4_status::payload_mismatch: return 400;
    default: return 403;
  }
}

void sign_sigv4(http_request& request, const sigv4_credentials& credentials, std::string_view region,
                std::string_view service, policy::timestamp now) {
  request.headers.erase("authorization");
  std::string date_time = amz_date(now);
  request.headers["x-amz-date"] = date_time;
  std::vector<std::string> names;  // std::map: already sorted
  for (const auto& [name, value] : request.headers) {
    if (name == "user-agent" || name == "expect" || name == "content-length") continue;
    names.push_back(name);
  }
  std::string payload_hash = sha256_hex(request.body);
  if (auto claimed = request.headers.find("x-amz-content-sha256"); claimed != request.headers.end())
    payload_hash = claimed->second;
  std::string date = date_time.substr(0, 8);
  std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  std::string canonical = sigv4_canonical_request(request, names, payload_hash);
  std::string signature = signature_of(credentials.secret_access_key, date, region, service,
                                       string_to_sign(date_time, scope, canonical));
  std::string signed_list;
  for (const auto& n : names) {
    if (!signed_list.empty()) signed_list.push_back(';');
    signed_list.append(n);
  }
  request.headers["authorization"] = std::string(algorithm) + " Credential=" + credentials.access_key_id + "/" +
                                     scope + ", SignedHeaders=" + signed_list + ", Signature=" + signature;
}

}  // namespace mfrelay::relay
