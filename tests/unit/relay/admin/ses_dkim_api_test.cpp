// The DKIM calls of both SES APIs against a fake backend: v1 VerifyDomainDkim,
// GetIdentityDkimAttributes, SetIdentityDkimEnabled; v2 PUT .../dkim,
// PUT .../dkim/signing (Easy DKIM and BYODKIM) and GetEmailIdentity's
// DkimAttributes. Shapes from botocore's ses and sesv2 models; each refusal
// with its code; the policy.d text each change writes.
#include <doctest/doctest.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "fake_backend.hpp"
#include "relay/admin/ses_query_api.hpp"
#include "relay/admin/ses_rest_api.hpp"
#include "relay/admin/xml_writer.hpp"
#include "relay/dkim/dkim_key.hpp"

namespace mfrelay::relay {
namespace {

using namespace test;
namespace json = boost::json;

const dkim::dkim_key& rsa_key() {
  static const dkim::dkim_key key = dkim::dkim_key::generate(dkim::key_type::rsa);
  return key;
}

// An RSA key of any size, PKCS#8 PEM (dkim_key only makes 2048-bit ones).
std::string rsa_pem(std::size_t bits) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
  REQUIRE(key);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

// Keys as the daemon's store holds them after a reload.
std::shared_ptr<const dkim::identity_keys> easy_keys(const std::string& domain) {
  return std::make_shared<dkim::identity_keys>(dkim::identity_keys{
      domain, {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2", "ccccccccccccccccccccccccccccccc3"},
      rsa_key(), "", 1700000000});
}

// The base64 DER of a PEM body: what SES's DomainSigningPrivateKey takes.
std::string pem_body(const std::string& pem) {
  std::string out;
  std::size_t start = pem.find('\n') + 1;
  std::size_t end = pem.find("-----END");
  for (char c : pem.substr(start, end - start))
    if (c != '\n') out += c;
  return out;
}

struct v1_fixture : api_fixture<ses_query_api> {
  http_response call(const std::string& body) { return handle(form_post(body)); }
  void check_error(const http_response& r, const std::string& code, const std::string& message, int status = 400) {
    INFO(r.body);
    CHECK(r.status == status);
    CHECK(r.body.find("<Code>" + code + "</Code>") != std::string::npos);
    CHECK(r.body.find("<Message>" + xml_escape(message) + "</Message>") != std::string::npos);
  }
};

struct v2_fixture : api_fixture<ses_rest_api> {
  http_response call(std::string method, std::string target, std::string body = {}) {
    return handle(rest(std::move(method), std::move(target), std::move(body)));
  }
  void check_error(const http_response& r, int status, const std::string& type, const std::string& message) {
    INFO(r.body);
    CHECK(r.status == status);
    CHECK(header(r, "x-amzn-ErrorType") == type);
    CHECK(json_of(r) == json::value(json::object{{"message", message}}));
  }
};

TEST_CASE_FIXTURE(v1_fixture, "VerifyDomainDkim: enables Easy DKIM in the identity's file and returns the three tokens") {
  backend.keys["example.com"] = easy_keys("example.com");
  auto r = call("Action=VerifyDomainDkim" + std::string(v1_version) + "&Domain=example.com");
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(r.body.find("<VerifyDomainDkimResult><DkimTokens><member>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1</member>"
                    "<member>bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2</member><member>ccccccccccccccccccccccccccccccc3</member>"
                    "</DkimTokens></VerifyDomainDkimResult>") != std::string::npos);
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].what == identity_change::kind::set_dkim_signing);
  CHECK(backend.cfg->identities.find("example.com")->dkim);
  REQUIRE(backend.writes.size() == 1);
  CHECK(backend.writes[0].path == example_file);
  CHECK(backend.writes[0].text.find("dkim = true") != std::string::npos);
  // Again: already enabled, nothing written, the same tokens.
  auto again = call("Action=VerifyDomainDkim" + std::string(v1_version) + "&Domain=example.com");
  CHECK(again.status == 200);
  CHECK(backend.changes.size() == 1);
}

TEST_CASE_FIXTURE(v1_fixture, "VerifyDomainDkim: refusals") {
  const std::string verify = "Action=VerifyDomainDkim" + std::string(v1_version);
  check_error(call(verify), "MissingParameter", "The request must contain the parameter Domain.");
  check_error(call(verify + "&Domain=unknown.net"), "InvalidParameterValue", "Identity <unknown.net> does not exist.");
  check_error(call(verify + "&Domain=billing%40example.com"), "InvalidParameterValue",
              "Domain <billing@example.com> is an email address: DKIM is set on its domain.");
  CHECK(backend.changes.empty());
  // Keys that could not be made (the daemon logs why): a server error, not empty tokens.
  auto r = call(verify + "&Domain=other.org");
  check_error(r, "InternalFailure", "The DKIM keys of other.org could not be made; the relay's log says why.", 500);
}

TEST_CASE_FIXTURE(v1_fixture, "GetIdentityDkimAttributes: DkimEnabled, status and tokens per identity; unknown left out") {
  backend.keys["example.com"] = easy_keys("example.com");
  const std::string get = "Action=GetIdentityDkimAttributes" + std::string(v1_version);
  auto before = call(get + "&Identities.member.1=example.com&Identities.member.2=nowhere.net");
  CHECK(before.body.find("<DkimAttributes><entry><key>example.com</key><value><DkimEnabled>false</DkimEnabled>"
                         "<DkimVerificationStatus>NotStarted</DkimVerificationStatus><DkimTokens>") != std::string::npos);
  CHECK(before.body.find("nowhere.net") == std::string::npos);

  CHECK(call("Action=SetIdentityDkimEnabled" + std::string(v1_version) + "&Identity=example.com&DkimEnabled=true").status == 200);
  auto after = call(get + "&Identities.member.1=example.com&Identities.member.2=billing%40example.com");
  INFO(after.body);
  CHECK(after.body.find("<entry><key>example.com</key><value><DkimEnabled>true</DkimEnabled>"
                        "<DkimVerificationStatus>Pending</DkimVerificationStatus><DkimTokens>"
                        "<member>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1</member>") != std::string::npos);
  CHECK(after.body.find("<entry><key>billing@example.com</key><value><DkimEnabled>false</DkimEnabled>"
                        "<DkimVerificationStatus>NotStarted</DkimVerificationStatus></value></entry>") !=
        std::string::npos);
  check_error(call(get), "MissingParameter", "The request must contain the parameter Identities.");
}

TEST_CASE_FIXTURE(v1_fixture, "SetIdentityDkimEnabled: writes dkim = true / false; refusals change nothing") {
  const std::string set = "Action=SetIdentityDkimEnabled" + std::string(v1_version);
  CHECK(call(set + "&Identity=example.com&DkimEnabled=true").status == 200);
  REQUIRE(backend.writes.size() == 1);
  CHECK(backend.writes[0].text.find("dkim = true") != std::string::npos);
  CHECK(call(set + "&Identity=example.com&DkimEnabled=false").status == 200);
  REQUIRE(backend.writes.size() == 2);
  CHECK(backend.writes[1].text.find("dkim") == std::string::npos);
  CHECK_FALSE(backend.cfg->identities.find("example.com")->dkim);

  std::size_t changes = backend.changes.size();
  check_error(call(set + "&Identity=example.com"), "MissingParameter",
              "The request must contain the parameter DkimEnabled.");
  check_error(call(set + "&Identity=example.com&DkimEnabled=yes"), "InvalidParameterValue",
              "Value yes for parameter DkimEnabled is invalid: it must be true or false.");
  check_error(call(set + "&Identity=unknown.net&DkimEnabled=true"), "InvalidParameterValue",
              "Identity <unknown.net> does not exist.");
  check_error(call(set + "&Identity=billing%40example.com&DkimEnabled=true"), "InvalidParameterValue",
              "Identity <billing@example.com> is an email address: enable DKIM on the domain identity <example.com>.");
  CHECK(call(set + "&Identity=billing%40example.com&DkimEnabled=false").status == 200);  // nothing to turn off
  CHECK(backend.changes.size() == changes);
  backend.refuse = {{{}, "the store is read-only"}};
  check_error(call(set + "&Identity=example.com&DkimEnabled=true"), "InvalidParameterValue", "the store is read-only");
}

TEST_CASE_FIXTURE(v2_fixture, "PutEmailIdentityDkimAttributes: SigningEnabled follows, GetEmailIdentity shows it") {
  backend.keys["example.com"] = easy_keys("example.com");
  auto r = call("PUT", "/v2/email/identities/example.com/dkim", R"({"SigningEnabled":true})");
  CHECK(r.status == 200);
  CHECK(r.body == "{}");
  REQUIRE(backend.writes.size() == 1);
  CHECK(backend.writes[0].text.find("dkim = true") != std::string::npos);
  auto dkim = json_of(call("GET", "/v2/email/identities/example.com")).at("DkimAttributes");
  CHECK(dkim == json::value(json::object{
                    {"SigningEnabled", true},
                    {"Status", "PENDING"},
                    {"Tokens", json::array{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2",
                                           "ccccccccccccccccccccccccccccccc3"}},
                    {"SigningAttributesOrigin", "AWS_SES"},
                    {"CurrentSigningKeyLength", "RSA_2048_BIT"},
                    {"NextSigningKeyLength", "RSA_2048_BIT"},
                    {"LastKeyGenerationTimestamp", 1700000000},
                }));
  // An unset boolean is false in SES's model.
  CHECK(call("PUT", "/v2/email/identities/example.com/dkim", "{}").status == 200);
  CHECK_FALSE(backend.cfg->identities.find("example.com")->dkim);
}

TEST_CASE_FIXTURE(v2_fixture, "PutEmailIdentityDkimAttributes: refusals, and nothing changes") {
  check_error(call("PUT", "/v2/email/identities/unknown.net/dkim", R"({"SigningEnabled":true})"), 404,
              "NotFoundException", "Identity unknown.net does not exist.");
  check_error(call("PUT", "/v2/email/identities/example.com/dkim", R"({"SigningEnabled":"yes"})"), 400,
              "SerializationException", "SigningEnabled must be a JSON boolean.");
  check_error(call("PUT", "/v2/email/identities/billing%40example.com/dkim", R"({"SigningEnabled":true})"), 400,
              "BadRequestException",
              "Identity billing@example.com is an email address: enable DKIM signing on the domain identity "
              "example.com.");
  CHECK(backend.changes.empty());
}

TEST_CASE_FIXTURE(v2_fixture, "PutEmailIdentityDkimSigningAttributes EXTERNAL: the key goes to the backend, the selector to policy.d") {
  const std::string der = pem_body(rsa_key().private_pem());
  auto r = call("PUT", "/v2/email/identities/example.com/dkim/signing",
                R"({"SigningAttributesOrigin":"EXTERNAL","SigningAttributes":{"DomainSigningSelector":"sel2024",)"
                R"("DomainSigningPrivateKey":")" + der + R"("}})");
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(json_of(r) == json::value(json::object{{"DkimStatus", "PENDING"}, {"DkimTokens", json::array{"sel2024"}}}));
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].what == identity_change::kind::set_dkim_signing);
  CHECK(backend.changes[0].dkim_selector == "sel2024");
  CHECK(backend.changes[0].dkim_private_key == rsa_key().private_pem());  // normalized to PEM for the key store
  REQUIRE(backend.writes.size() == 1);
  CHECK(backend.writes[0].text.find("dkim = true\ndkim_selector = \"sel2024\"\n") != std::string::npos);
  CHECK(backend.writes[0].text.find(der.substr(0, 40)) == std::string::npos);  // never the key
  auto dkim = json_of(call("GET", "/v2/email/identities/example.com")).at("DkimAttributes");
  CHECK(dkim.at("SigningAttributesOrigin") == "EXTERNAL");
  CHECK(dkim.at("Tokens") == json::value(json::array{"sel2024"}));
  CHECK_FALSE(dkim.as_object().contains("NextSigningKeyLength"));

  // Back to Easy DKIM: the selector goes.
  auto back = call("PUT", "/v2/email/identities/example.com/dkim/signing",
                   R"({"SigningAttributesOrigin":"AWS_SES","SigningAttributes":{"NextSigningKeyLength":"RSA_2048_BIT"}})");
  CHECK(back.status == 200);
  CHECK(backend.cfg->identities.find("example.com")->dkim_selector.empty());
  CHECK(backend.writes.back().text.find("dkim_selector") == std::string::npos);
}

TEST_CASE_FIXTURE(v2_fixture, "PutEmailIdentityDkimSigningAttributes: also at /v1/... as older botocore models route it") {
  CHECK(ses_rest_api::owns_v1_route("/v1/email/identities/example.com/dkim/signing"));
  CHECK_FALSE(ses_rest_api::owns_v1_route("/v1/identities/example.com/verify"));
  auto r = call("PUT", "/v1/email/identities/example.com/dkim/signing", R"({"SigningAttributesOrigin":"AWS_SES"})");
  CHECK(r.status == 200);
  CHECK(backend.cfg->identities.find("example.com")->dkim);
  check_error(call("GET", "/v1/email/identities/example.com/dkim/signing"), 404, "UnknownOperationException",
              "No SES v2 operation is GET /v1/email/identities/example.com/dkim/signing");
}

TEST_CASE_FIXTURE(v2_fixture, "PutEmailIdentityDkimSigningAttributes: a PEM key and an Ed25519 key are taken too") {
  auto ed = dkim::dkim_key::generate(dkim::key_type::ed25519);
  json::object body{{"SigningAttributesOrigin", "EXTERNAL"},
                    {"SigningAttributes", json::object{{"DomainSigningSelector", "ed"},
                                                       {"DomainSigningPrivateKey", ed.private_pem()}}}};
  CHECK(call("PUT", "/v2/email/identities/example.com/dkim/signing", json::serialize(body)).status == 200);
  REQUIRE(backend.changes.size() == 1);
  CHECK(backend.changes[0].dkim_private_key == ed.private_pem());
}

TEST_CASE_FIXTURE(v2_fixture, "PutEmailIdentityDkimSigningAttributes: each refusal, and nothing changes") {
  const std::string put = "/v2/email/identities/example.com/dkim/signing";
  const std::string der = pem_body(rsa_key().private_pem());
  auto external = [&](const std::string& selector, const std::string& key) {
    return json::serialize(json::object{
        {"SigningAttributesOrigin", "EXTERNAL"},
        {"SigningAttributes", json::object{{"DomainSigningSelector", selector}, {"DomainSigningPrivateKey", key}}}});
  };
  check_error(call("PUT", put, "{}"), 400, "BadRequestException",
              "1 validation error detected: Value null at 'signingAttributesOrigin' failed to satisfy constraint: "
              "Member must not be null");
  check_error(call("PUT", put, R"({"SigningAttributesOrigin":"SELF"})"), 400, "BadRequestException",
              "1 validation error detected: Value 'SELF' at 'signingAttributesOrigin' failed to satisfy constraint: "
              "Member must satisfy enum value set: [AWS_SES, EXTERNAL]");
  check_error(call("PUT", put, R"({"SigningAttributesOrigin":"AWS_SES_EU_WEST_1"})"), 400, "BadRequestException",
              "mfrelay has one region: SigningAttributesOrigin is AWS_SES or EXTERNAL, not AWS_SES_EU_WEST_1.");
  check_error(call("PUT", put, R"({"SigningAttributesOrigin":"EXTERNAL"})"), 400, "BadRequestException",
              "SigningAttributesOrigin EXTERNAL needs SigningAttributes with DomainSigningSelector and "
              "DomainSigningPrivateKey.");
  check_error(call("PUT", put, external("bad_selector", der)), 400, "BadRequestException",
              "DomainSigningSelector bad_selector is not a selector: 1 to 63 letters, digits and hyphens, not "
              "starting or ending with a hyphen.");
  check_error(call("PUT", put, external("s1", "bm90IGEga2V5")), 400, "BadRequestException",
              "DomainSigningPrivateKey: The private key is not an RSA or Ed25519 private key in PEM or "
              "base64-encoded DER (PKCS#1 or PKCS#8).");
  check_error(call("PUT", put, external("s1", "***")), 400, "BadRequestException",
              "DomainSigningPrivateKey: The private key is not an RSA or Ed25519 private key in PEM or "
              "base64-encoded DER (PKCS#1 or PKCS#8).");
  auto small = dkim::dkim_key::from_pem(rsa_pem(512));
  REQUIRE(small);
  check_error(call("PUT", put, external("s1", pem_body(small->private_pem()))), 400, "BadRequestException",
              "DomainSigningPrivateKey: The RSA private key has 512 bits; DKIM keys must have 1024 to 4096.");
  check_error(call("PUT", put, R"({"SigningAttributesOrigin":"AWS_SES","SigningAttributes":{"DomainSigningSelector":"s"}})"),
              400, "BadRequestException",
              "DomainSigningSelector and DomainSigningPrivateKey are for SigningAttributesOrigin EXTERNAL.");
  check_error(
      call("PUT", put, R"({"SigningAttributesOrigin":"AWS_SES","SigningAttributes":{"NextSigningKeyLength":"RSA_1024_BIT"}})"),
      400, "BadRequestException",
      "mfrelay generates RSA 2048-bit keys only: NextSigningKeyLength RSA_1024_BIT is not supported.");
  check_error(
      call("PUT", put, R"({"SigningAttributesOrigin":"AWS_SES","SigningAttributes":{"NextSigningKeyLength":"RSA_4096"}})"),
      400, "BadRequestException",
      "1 validation error detected: Value 'RSA_4096' at 'signingAttributes.nextSigningKeyLength' failed to satisfy "
      "constraint: Member must satisfy enum value set: [RSA_1024_BIT, RSA_2048_BIT]");
  check_error(call("PUT", "/v2/email/identities/unknown.net/dkim/signing", external("s1", der)), 404,
              "NotFoundException", "Identity unknown.net does not exist.");
  check_error(call("PUT", "/v2/email/identities/billing%40example.com/dkim/signing", external("s1", der)), 400,
              "BadRequestException",
              "Identity billing@example.com is an email address: DKIM signing attributes belong to a domain identity.");
  CHECK(backend.changes.empty());
  CHECK_FALSE(backend.cfg->identities.find("example.com")->dkim);
}

}  // namespace
}  // namespace mfrelay::relay
